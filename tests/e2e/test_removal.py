# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing a runtime from a node's inventory, against the lab's real API server, scheduler and kubelet.

lab-node1 offers crun (lab/inventory.yml). The test takes crun out of lab-node1's
``cri_runtimes`` in a copy of the inventory, with a crun pod running there: site.yml must
refuse, naming the pod, and change nothing. Once the pods are gone, site.yml removes the
label, the handler's table (one validated restart) and, since no other node offers crun,
the RuntimeClass; a second run changes nothing. A foreign nvidia-ctk-shaped handler on the
node stays byte-identical throughout. At the end crun is put back (other e2e tests follow).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import yaml

from lab.cluster import INVENTORY
from lab.smoke import NAMESPACE

from .conftest import Cluster

NODE = "lab-node1"
CONFIG = "/etc/containerd/config.toml"
RECORD = "/var/lib/cri-runtimes/handlers.json"
LABEL = "handler.cri-runtimes.io/crun"
POD = "removal-crun"
FOREIGN_HEADER = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]'
FOREIGN_BLOCK = (
    "\n# Added by nvidia-ctk (simulated by the end-to-end test): not ours to touch.\n"
    f"{FOREIGN_HEADER}\n"
    '  runtime_type = "io.containerd.runc.v2"\n'
    "  privileged_without_host_devices = false\n"
    '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]\n'
    '    BinaryName = "/usr/bin/nvidia-container-runtime"\n'
)


def recap(stdout: str) -> dict[str, int]:
    return {h: int(c) for h, c in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", stdout, re.M)}


def foreign_sha(config: str) -> str:
    """sha256 of the nvidia handler's text: from its header to the next table that is not its own."""
    start = config.index(FOREIGN_HEADER)
    rest = config[start:]
    end = [
        m.start()
        for m in re.finditer(r"(?m)^\s*\[", rest)
        if "runtimes.nvidia" not in rest[m.start() :].split("\n", 1)[0]
    ]
    block = rest[: end[0] if end else len(rest)].split("\n")
    # blank and comment lines right before the next table belong to that table (a removed
    # table's leading comment goes with it), not to the nvidia handler
    while block and (not block[-1].strip() or block[-1].lstrip().startswith("#")):
        block.pop()
    return hashlib.sha256("\n".join(block).encode()).hexdigest()


def crun_pods_on_node(cluster: Cluster) -> list[str]:
    pods = cluster.get("pods", "--all-namespaces")["items"]
    return sorted(
        f"{p['metadata']['namespace']}/{p['metadata']['name']}"
        for p in pods
        if p["spec"].get("nodeName") == NODE and p["spec"].get("runtimeClassName") == "crun"
    )


def wait_running(cluster: Cluster, name: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        pod: dict[str, Any] = cluster.get("pod", "-n", NAMESPACE, name)
        if pod.get("status", {}).get("phase") == "Running":
            return pod
        assert time.monotonic() < deadline, json.dumps(pod.get("status"), indent=1)[-2000:]
        time.sleep(2)


def wait_gone(cluster: Cluster, pods: list[str], timeout: float = 120) -> None:
    """The kubelet stops a pod's sandbox before the API object of a deleted pod goes away."""
    deadline = time.monotonic() + timeout
    while True:
        still = [
            p
            for p in pods
            if cluster.kubectl("get", "pod", "-n", p.split("/")[0], p.split("/")[1], "--ignore-not-found", "-o", "name")
        ]
        if not still:
            return
        assert time.monotonic() < deadline, still
        time.sleep(2)


def inventory_without_crun(tmp_path: Path) -> Path:
    data = yaml.safe_load(INVENTORY.read_text())
    host = data["all"]["children"]["k8s_cluster"]["children"]["kube_node"]["hosts"][NODE]
    assert "crun" in host["cri_runtimes"], host
    host["cri_runtimes"] = [r for r in host["cri_runtimes"] if r != "crun"]
    target = tmp_path / "inventory"
    target.mkdir()
    (target / "inventory.yml").write_text(yaml.safe_dump(data))
    shutil.copytree(INVENTORY.parent / "group_vars", target / "group_vars")
    return target / "inventory.yml"


def start_pod(cluster: Cluster, tmp_path: Path) -> None:
    manifest = tmp_path / "pod.json"
    spec = {
        "runtimeClassName": "crun",
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 1,
        "containers": [
            {
                "name": "sleep",
                "image": "localhost/cri-runtimes/busybox:test",
                "imagePullPolicy": "Never",
                "command": ["sleep", "3600"],
            }
        ],
    }
    manifest.write_text(
        json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": POD, "namespace": NAMESPACE}, "spec": spec})
    )
    cluster.kubectl("apply", "-f", str(manifest))
    assert wait_running(cluster, POD)["spec"]["nodeName"] == NODE


def converge_with_a_foreign_handler(cluster: Cluster) -> str:
    """site.yml as the inventory says, then nvidia-ctk's handler; returns that handler's sha256."""
    start = cluster.playbook("site.yml")
    assert start.returncode == 0, start.stdout[-3000:] + start.stderr[-2000:]
    record = json.loads(cluster.node_exec(NODE, "cat", RECORD))
    assert record["handlers"]["crun"]["owner"] == "crun role", record
    assert "nvidia" not in record["handlers"]
    # Another tool's handler, as nvidia-ctk adds it (the lab test's uninstall may have left one).
    if FOREIGN_HEADER not in cluster.node_exec(NODE, "cat", CONFIG):
        cluster.node_exec(NODE, "sh", "-c", f"printf '%s' '{FOREIGN_BLOCK}' >> {CONFIG}")
        cluster.node_exec(NODE, "systemctl", "restart", "containerd")
    return foreign_sha(cluster.node_exec(NODE, "cat", CONFIG))


def refused_naming_the_pod(cluster: Cluster, inventory: Path) -> None:
    config_before = cluster.node_exec(NODE, "cat", CONFIG)
    record_before = cluster.node_exec(NODE, "cat", RECORD)
    pid_before = cluster.main_pid(NODE, "containerd")
    refused = cluster.playbook("site.yml", inventory=inventory)
    print("REFUSED RUN:", refused.stdout[-2500:])
    assert refused.returncode != 0
    message = re.search(r"Refusing to remove handler\(s\) crun from lab-node1: [^\"]*", refused.stdout)
    assert message, refused.stdout[-3000:]
    print("REFUSAL:", message.group(0))
    assert f"{NAMESPACE}/{POD}" in message.group(0)
    assert cluster.node_exec(NODE, "cat", CONFIG) == config_before
    assert cluster.node_exec(NODE, "cat", RECORD) == record_before
    assert cluster.main_pid(NODE, "containerd") == pid_before
    assert cluster.get("node", NODE)["metadata"]["labels"].get(LABEL) == "true"
    assert cluster.get("pod", "-n", NAMESPACE, POD)["status"]["phase"] == "Running"


def role_removal_refused(cluster: Cluster, tmp_path: Path) -> None:
    """A runtime role removing its handler itself (state absent, as the kata role does for a
    hypervisor no longer wanted) is refused like a pruned one while the pod runs."""
    play = tmp_path / "remove-crun-by-role.yml"
    play.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "A role removes the crun handler through the containerd entry point",
                    "hosts": NODE,
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Remove crun (state absent)",
                            "ansible.builtin.include_role": {
                                "name": "cri.runtimes.containerd",
                                "tasks_from": "handler",
                            },
                            "vars": {
                                "containerd_handler_owner": "e2e test",
                                "containerd_handler_config_path": CONFIG,
                                "containerd_handler_runtimes": [{"name": "crun", "state": "absent"}],
                            },
                        }
                    ],
                }
            ]
        )
    )
    config_before = cluster.node_exec(NODE, "cat", CONFIG)
    pid_before = cluster.main_pid(NODE, "containerd")
    refused = cluster.playbook(str(play))
    assert refused.returncode != 0, refused.stdout[-3000:]
    message = re.search(r"Refusing to remove handler\(s\) crun from lab-node1: [^\"]*", refused.stdout)
    assert message, refused.stdout[-3000:]
    print("ROLE REMOVAL REFUSED:", message.group(0))
    assert f"{NAMESPACE}/{POD}" in message.group(0)
    assert cluster.node_exec(NODE, "cat", CONFIG) == config_before
    assert cluster.main_pid(NODE, "containerd") == pid_before


def check_mode_previews(cluster: Cluster, inventory: Path) -> None:
    config_before = cluster.node_exec(NODE, "cat", CONFIG)
    check = cluster.playbook("site.yml", "--check", "--diff", inventory=inventory)
    print("CHECK RUN:", check.stdout[-2500:])
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
    assert "would remove handler(s) crun from lab-node1" in check.stdout
    assert cluster.node_exec(NODE, "cat", CONFIG) == config_before
    assert cluster.get("node", NODE)["metadata"]["labels"].get(LABEL) == "true"


def removed(cluster: Cluster, inventory: Path, foreign: str) -> None:
    pid_before = cluster.main_pid(NODE, "containerd")
    removal = cluster.playbook("site.yml", inventory=inventory)
    print("REMOVAL RUN:", removal.stdout[-4000:])
    assert removal.returncode == 0, removal.stdout[-3000:] + removal.stderr[-2000:]
    assert recap(removal.stdout)[NODE] > 0
    config_after = cluster.node_exec(NODE, "cat", CONFIG)
    dump = cluster.node_exec(NODE, "containerd", "config", "dump")
    assert "runtimes.crun]" not in dump
    assert "runtimes.crun]" not in config_after
    assert "runtimes.nvidia]" in dump
    assert "runtimes.runc]" in dump
    assert foreign_sha(config_after) == foreign
    assert cluster.main_pid(NODE, "containerd") != pid_before
    assert LABEL not in cluster.get("node", NODE)["metadata"]["labels"]
    classes = {rc["metadata"]["name"] for rc in cluster.get("runtimeclasses.node.k8s.io")["items"]}
    assert "crun" not in classes, classes
    assert {"runc", "gvisor"} <= classes, classes
    assert "crun" not in json.loads(cluster.node_exec(NODE, "cat", RECORD))["handlers"]


def test_removing_crun_is_refused_while_a_pod_uses_it_then_removes_handler_label_and_class(
    cluster: Cluster, tmp_path: Path
) -> None:
    foreign = converge_with_a_foreign_handler(cluster)
    inventory = inventory_without_crun(tmp_path)
    try:
        start_pod(cluster, tmp_path)
        users = crun_pods_on_node(cluster)
        assert f"{NAMESPACE}/{POD}" in users
        # 1. refused while the pod runs, naming it; nothing changes on the node or in the cluster
        refused_naming_the_pod(cluster, inventory)
        role_removal_refused(cluster, tmp_path)
        assert foreign_sha(cluster.node_exec(NODE, "cat", CONFIG)) == foreign
        # 2. the pods go; check mode says what would be removed and changes nothing
        for pod in users:
            namespace, name = pod.split("/")
            cluster.kubectl("delete", "pod", "-n", namespace, name, "--grace-period=1", "--timeout=90s")
        wait_gone(cluster, users)
        check_mode_previews(cluster, inventory)
        # 3. label, handler, one validated restart; the class goes (no other node offers crun)
        removed(cluster, inventory, foreign)
        # 4. idempotent
        again = cluster.playbook("site.yml", inventory=inventory)
        print("SECOND RUN RECAP:", recap(again.stdout))
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
        assert all(changed == 0 for changed in recap(again.stdout).values()), recap(again.stdout)
        assert foreign_sha(cluster.node_exec(NODE, "cat", CONFIG)) == foreign
    finally:
        cluster.kubectl("delete", "pod", "-n", NAMESPACE, POD, "--ignore-not-found", "--grace-period=1", check=False)
        # Put crun back: other e2e tests follow.
        back = cluster.playbook("site.yml")
        assert back.returncode == 0, back.stdout[-3000:] + back.stderr[-2000:]
    assert cluster.get("node", NODE)["metadata"]["labels"].get(LABEL) == "true"
    assert "crun" in {rc["metadata"]["name"] for rc in cluster.get("runtimeclasses.node.k8s.io")["items"]}
    assert foreign_sha(cluster.node_exec(NODE, "cat", CONFIG)) == foreign
