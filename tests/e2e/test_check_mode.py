# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-playbook cri.runtimes.site --check --diff` as an operator runs it before a change.

Against the converged lab: nothing to do (changed=0), then a pending change (a runtime
added to one node, another kubelet request timeout) reported as exactly those diffs. Both
times every file containerd and the kubelet read, every PID and the API server's objects
stay as they were. Then a fresh node (nothing installed) joins the dry run: its installs are
reported, nothing fails, nothing is written. (Molecule's `checkmode` scenario covers fresh
nodes too, one with a kubelet and no containerd.)
These tests change nothing (that is what they prove), so they run before test_lab.py.
"""

from __future__ import annotations

import base64
import itertools
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from .conftest import INVENTORY, LOGS, REPO, Cluster

# Every file containerd or the kubelet reads, in every layout the lab or a kubeadm package
# may use (the ones a node lacks are skipped): configs, drop-ins, units, environment files.
WATCHED = [
    "/etc/containerd",
    "/etc/systemd/system/kubelet.service",
    "/etc/systemd/system/kubelet.service.d",
    "/usr/lib/systemd/system/kubelet.service",
    "/usr/lib/systemd/system/kubelet.service.d",
    "/etc/default/kubelet",
    "/etc/sysconfig/kubelet",
    "/var/lib/kubelet/config.yaml",
    "/var/lib/kubelet/kubeadm-flags.env",
]
# a planted credential the output must not show
SECRET = "s3cret-e2e-registry-password"
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.+?)\] \*+$", re.M)
STATUS = re.compile(r"^(ok|changed|skipping|fatal|failed): \[([^\]]+)\]", re.M)


def node_state(cluster: Cluster) -> dict[str, Any]:
    """Checksums of every watched file, and the PIDs of containerd and the kubelet, per node."""
    state = {}
    for node in cluster.nodes:
        script = (
            "for p in " + " ".join(WATCHED) + '; do [ -e "$p" ] && find -L "$p" -type f; done '
            "| sort -u | xargs -r sha256sum"
        )
        sums = cluster.node_exec(node, "sh", "-c", script)
        state[node] = {
            "files": sums,
            "containerd": cluster.main_pid(node, "containerd"),
            "kubelet": cluster.main_pid(node, "kubelet"),
        }
    return state


def recap(output: str) -> dict[str, tuple[int, int, int]]:
    return {h: (int(c), int(u), int(f)) for h, c, u, f in RECAP.findall(output)}


def changed_tasks(output: str) -> set[tuple[str, str]]:
    """(task, host) for every task (or handler) the run reported as changed."""
    found = set()
    starts = [(m.start(), m.group(1)) for m in TASK.finditer(output)] + [(len(output), "")]
    for (start, name), (end, _next_name) in itertools.pairwise(starts):
        for status, host in STATUS.findall(output[start:end]):
            if status == "changed":
                found.add((name, host))
    return found


def dry_run(cluster: Cluster, name: str, *extra: str, inventory: Path = INVENTORY) -> Any:
    """Run site.yml --check --diff; its output is kept in the lab's logs (check-mode-NAME.log)."""
    run = cluster.playbook("site.yml", "--check", "--diff", *extra, inventory=inventory)
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"check-mode-{name}.log").write_text(run.stdout + run.stderr)
    return run


def test_check_mode_on_the_converged_cluster_changes_nothing(cluster: Cluster) -> None:
    before = node_state(cluster)
    writes = len(cluster.admin_writes())
    run = dry_run(cluster, "converged")
    print("\n".join(line for line in run.stdout.splitlines() if RECAP.match(line)))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = recap(run.stdout)
    assert set(cluster.nodes) | {"localhost"} <= set(summary), summary
    assert all(v == (0, 0, 0) for v in summary.values()), summary
    assert not changed_tasks(run.stdout)
    assert node_state(cluster) == before
    new_writes = cluster.admin_writes()[writes:]
    assert not new_writes, [(e["verb"], e["requestURI"]) for e in new_writes]


def pending_inventory(tmp_path: Path, node: str) -> Path:
    """The lab's inventory with one more runtime (gvisor) and a registry mirror with credentials on one node."""
    data = yaml.safe_load(INVENTORY.read_text())
    hosts = data["all"]["children"]["k8s_cluster"]["children"]["kube_node"]["hosts"]
    hosts[node]["cri_runtimes"] = [*hosts[node].get("cri_runtimes", []), "gvisor"]
    hosts[node]["containerd_registry_hosts"] = [
        {
            "name": "registry.e2e.invalid",
            "mirrors": [{"url": "https://mirror.e2e.invalid", "username": "e2e", "password": SECRET}],
        }
    ]
    # group_vars are read next to the inventory file
    shutil.copytree(INVENTORY.parent / "group_vars", tmp_path / "group_vars")
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(data))
    return path


PRUNE_READ = "Find the recorded handlers this node no longer asks for, and the pods using them"


def test_check_mode_reports_exactly_the_pending_changes_and_writes_nothing(cluster: Cluster, tmp_path: Path) -> None:
    node = next(n for n, hv in cluster.nodes.items() if "gvisor" not in hv.get("cri_runtimes", []))
    other = next(n for n in cluster.nodes if n != node)
    before = node_state(cluster)
    labels_before = {n: handlers_labelled(cluster, n) for n in cluster.nodes}
    writes = len(cluster.admin_writes())
    run = dry_run(
        cluster, "pending", "-e", "kubelet_runtime_request_timeout=20m", inventory=pending_inventory(tmp_path, node)
    )
    print("\n".join(line for line in run.stdout.splitlines() if RECAP.match(line)))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = recap(run.stdout)
    assert set(cluster.nodes) | {"localhost"} <= set(summary), summary
    assert all(v[1:] == (0, 0) for v in summary.values()), summary

    # exactly these, nothing else: the handler merged on one node and the registry written there,
    # containerd's restart there, the timeout in each kubelet's config and its restart, the label
    expected = {
        # the gvisor role merges through the containerd role's entry point (tasks_from: handler)
        ("cri.runtimes.containerd : Merge the handler(s) into containerd's config - gvisor role", node),
        ("cri.runtimes.containerd : Create a directory per registry", node),
        ("cri.runtimes.containerd : Write hosts.toml per registry", node),
        ("cri.runtimes.containerd : Restart containerd", node),
        ("cri.runtimes.runtimeclass : Label the node", "localhost"),
        # the node's record of the handlers cri.runtimes installed (docs/removal.md) gains gvisor:
        # written by the entry point after its merge, and (in check mode, where that write did not
        # happen) found missing again by the prune step's read of the record
        ("cri.runtimes.containerd : Record the handler(s) as installed by cri.runtimes - gvisor role", node),
        ("cri.runtimes.containerd : " + PRUNE_READ, node),
    }
    for host in (node, other):
        expected |= {
            ("cri.runtimes.kubelet : Merge the settings into the KubeletConfiguration", host),
            ("cri.runtimes.kubelet : Restart the kubelet", host),
        }
    changed = changed_tasks(run.stdout)
    assert changed == expected, (sorted(changed - expected), sorted(expected - changed))

    # the diffs show the exact lines: the handler table, the timeout old and new, the label
    out = run.stdout
    assert re.search(r'^\+\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runsc\]$', out, re.M)
    assert re.search(r'^\+\s*BinaryName = "/usr/local/lib/cri-lab/runsc-lab"$', out, re.M)
    assert re.search(r"^-runtimeRequestTimeout: 15m$", out, re.M), out[-3000:]
    assert re.search(r"^\+runtimeRequestTimeout: 20m$", out, re.M)
    assert re.search(r'^\+\s*"handler\.cri-runtimes\.io/runsc": "true"', out, re.M)
    assert f"handler(s) runsc on {node} are not verified yet" in out
    # and no credentials, neither as given nor as the Basic header hosts.toml would carry
    basic = base64.b64encode(f"e2e:{SECRET}".encode()).decode()
    assert SECRET not in out + run.stderr
    assert basic not in out + run.stderr

    # nothing written: files, processes, API objects (only dry-run requests reached the server)
    assert node_state(cluster) == before
    new_writes = cluster.admin_writes()[writes:]
    assert all("dryRun=All" in e["requestURI"] for e in new_writes), [(e["verb"], e["requestURI"]) for e in new_writes]
    assert {n: handlers_labelled(cluster, n) for n in cluster.nodes} == labels_before


def handlers_labelled(cluster: Cluster, node: str) -> set[str]:
    labels = cluster.get("node", node)["metadata"].get("labels", {})
    return {k.split("/", 1)[1] for k, v in labels.items() if k.startswith("handler.cri-runtimes.io/") and v == "true"}


# the top directory of the remote_tmp make and scripts/lib/ansible-env export (ANSIBLE_REMOTE_TEMP, a
# path in the checkout so that plays on the controller write nothing in ~): Ansible creates it on the nodes too
ANSIBLE_TMP_TOP = "/" + (os.environ.get("ANSIBLE_REMOTE_TEMP") or "/root/.ansible").strip("/").split("/")[0]
FRESH = "lab-fresh"


def start_fresh_node(cluster: Cluster) -> None:
    """A node where nothing is installed yet: the bare node image (systemd and Python only)."""
    image = subprocess.run(
        [str(REPO / "scripts" / "setup" / "node-image"), "bookworm"],
        capture_output=True,
        text=True,
        check=True,
        env=cluster.lab.env,
    ).stdout.split()[-1]
    subprocess.run(["podman", "rm", "-f", FRESH], capture_output=True, env=cluster.lab.env, check=False)
    subprocess.run(
        [
            "podman", "run", "-d", "--name", FRESH, "--hostname", FRESH, "--privileged", "--cgroupns=private",
            "--systemd=always", "--runtime", "runc", "--label", "cri-runtimes-lab=1", image,
        ],
        capture_output=True, env=cluster.lab.env, check=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while cluster.node_exec(FRESH, "systemctl", "is-system-running", check=False).strip() not in {
        "running",
        "degraded",
    }:
        assert time.monotonic() < deadline, f"{FRESH}: systemd did not finish booting"
        time.sleep(1)
    # package lists, as any installed Debian has them (apt's check mode plans from them)
    cluster.node_exec(FRESH, "apt-get", "update", "-q")
    # Ansible's own directory exists before the mark (its first connection creates it)
    cluster.node_exec(FRESH, "sh", "-c", "mkdir -p /root/.ansible; touch /var/tmp/checkmode-mark; sleep 1")


def test_check_mode_with_a_fresh_node_reports_its_installs_and_fails_nowhere(cluster: Cluster, tmp_path: Path) -> None:
    data = yaml.safe_load(INVENTORY.read_text())
    hosts = data["all"]["children"]["k8s_cluster"]["children"]["kube_node"]["hosts"]
    # lab_ip/lab_pod_cidr only because the lab's group_vars template them into kubelet flags
    hosts[FRESH] = {"cri_runtimes": ["crun"], "lab_ip": "10.89.42.99", "lab_pod_cidr": "10.244.99.0/24"}
    shutil.copytree(INVENTORY.parent / "group_vars", tmp_path / "group_vars")
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump(data))
    before = node_state(cluster)
    writes = len(cluster.admin_writes())
    start_fresh_node(cluster)
    try:
        run = dry_run(cluster, "fresh-node", inventory=inventory)
        print("\n".join(line for line in run.stdout.splitlines() if RECAP.match(line)))
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        summary = recap(run.stdout)
        assert all(summary[n] == (0, 0, 0) for n in [*cluster.nodes, "localhost"]), summary
        assert summary[FRESH][1:] == (0, 0), summary
        changed = {task for task, host in changed_tasks(run.stdout) if host == FRESH}
        assert {
            "cri.runtimes.containerd : Install containerd, runc and the TOML library the config module uses",
            "cri.runtimes.crun : Install crun from the distribution",
            "cri.runtimes.kubelet : Install PyYAML for cri.runtimes.kubelet_config",
        } <= changed, sorted(changed)
        out = run.stdout
        assert f"Check mode: containerd is not installed on {FRESH} yet" in out
        assert f"Check mode: the kubelet's settings on {FRESH} are not previewed" in out
        assert f"Check mode: Node {FRESH} is not registered in the cluster yet" in out
        # nothing written on the fresh node (Ansible's own temporary files -- ~/.ansible, or the
        # checkout's remote_tmp that make/scripts export, which the node does not have otherwise --, the journal and
        # apt's planner log aside), on the lab's nodes, or in the cluster
        newer = cluster.node_exec(
            FRESH, "find", "/", "-xdev", "(", "-path", "/proc", "-o", "-path", "/sys", "-o", "-path", "/dev",
            "-o", "-path", "/run", "-o", "-path", "/tmp", "-o", "-path", "/var/log/journal", "-o", "-path",
            "/var/log/apt", "-o", "-path", "/root/.ansible", "-o", "-path", ANSIBLE_TMP_TOP, ")", "-prune",
            "-o", "-newer", "/var/tmp/checkmode-mark",
            "-print",
        )  # fmt: skip
        # "/" itself is newer when Ansible creates the remote_tmp's top directory (ANSIBLE_TMP_TOP) in it
        assert [p for p in newer.split() if p != "/"] == [], newer
        assert cluster.node_exec(FRESH, "sh", "-c", "command -v containerd crun kubelet", check=False) == ""
        assert node_state(cluster) == before
        new_writes = cluster.admin_writes()[writes:]
        assert all("dryRun=All" in e["requestURI"] for e in new_writes), [
            (e["verb"], e["requestURI"]) for e in new_writes
        ]
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "2", FRESH], capture_output=True, env=cluster.lab.env, check=False)
