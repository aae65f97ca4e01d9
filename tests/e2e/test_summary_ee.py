# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml inside an execution environment, the way AWX runs a job, and the operator's summary.

1. A plain ``ansible-playbook`` run of site.yml on the running lab with the summary callback
   enabled: the table and the JSON copy say what the cluster really has (checked against the
   API server and the nodes), and - the lab being configured already - that nothing changed.
2. The lab's execution environment (scripts/setup/ee-image: ansible-builder, FROM a locally built
   base) runs site.yml through ansible-runner with podman as the process-isolation executable,
   as AWX does: the project (a playbook importing ``cri.runtimes.site``, the collection installed
   into the project's ``collections/`` as a project sync would), the inventory, and credentials
   as AWX's Kubernetes bearer-token credential injects them (``K8S_AUTH_*`` environment, CA file
   in the job's private data directory). One node label is taken away first, so that run has a
   change to make; the run after it changes nothing (changed=0 on every host).

The lab's nodes are podman containers reached with the containers.podman.podman connection.
Inside the EE that plugin runs the EE's podman client against this host's podman service
(``podman system service`` on a socket mounted into the EE, ``CONTAINER_HOST``), see docs/awx.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import STATE, Cluster

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / ".tmp" / "ee-e2e"
NETWORK = "cri-lab"
LABEL = "handler.cri-runtimes.io/crun"

# What the lab's inventory asks for (lab/inventory.yml, lab/group_vars/all.yml)
WANT_HANDLERS = {"lab-node1": ["crun", "runc"], "lab-node2": ["runc", "runsc"]}
WANT_CLASSES = {"crun": ("crun", 1), "gvisor": ("runsc", 1), "runc": ("runc", 2)}


def _recap(stdout: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout, re.M):
        recap[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", fields)}
    return recap


def _summary_table(stdout: str) -> str:
    marker = stdout.find("CRI.RUNTIMES SUMMARY")
    assert marker >= 0, f"no summary table in the output:\n{stdout[-3000:]}"
    return stdout[marker:]


def _check_against_cluster(cluster: Cluster, doc: dict[str, Any]) -> None:
    """The JSON says what the API server has: handlers, labels, classes and their nodes."""
    assert {n: d["handlers_verified"] for n, d in doc["nodes"].items() if n in WANT_HANDLERS} == WANT_HANDLERS
    api_nodes = {n["metadata"]["name"]: n["metadata"]["labels"] for n in cluster.get("nodes")["items"]}
    for node, handlers in WANT_HANDLERS.items():
        ours = sorted(f"{k}={v}" for k, v in api_nodes[node].items() if k.startswith("handler.cri-runtimes.io/"))
        assert doc["nodes"][node]["labels"] == ours == [f"handler.cri-runtimes.io/{h}=true" for h in handlers]
    api_classes = {rc["metadata"]["name"]: rc for rc in cluster.get("runtimeclasses")["items"]}
    for name, (handler, count) in WANT_CLASSES.items():
        got = doc["runtimeclasses"][name]
        assert (got["handler"], got["nodes_offering"]) == (handler, count), (name, got)
        assert got["handler"] == api_classes[name]["handler"]
        assert got["node_selector"] == api_classes[name]["scheduling"]["nodeSelector"]
        assert got["overhead"] == (api_classes[name].get("overhead") or {}).get("podFixed", {})
    assert doc["runtimeclasses"]["gvisor"]["overhead"] == {"cpu": "100m", "memory": "64Mi"}
    assert doc["runtimeclasses"]["gvisor"]["tolerations"][0]["key"] == "sandbox"


def _summary_run(cluster: Cluster, path: Path) -> tuple[str, str, dict[str, Any]]:
    """site.yml with the summary callback on: (stdout, the table, the JSON copy)."""
    cluster.lab.env["ANSIBLE_CALLBACKS_ENABLED"] = "cri.runtimes.summary"
    try:
        proc = cluster.playbook("site.yml", "-e", f"cri_runtimes_summary_path={path}")
    finally:
        cluster.lab.env.pop("ANSIBLE_CALLBACKS_ENABLED")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout, _summary_table(proc.stdout), json.loads(path.read_text())


def test_plain_run_prints_the_summary_and_writes_json(cluster: Cluster, tmp_path: Path) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    # First run: whatever earlier tests left (the uninstall test removes our handlers) is put back,
    # and the summary says so: a node reported as changed has a recap with changes.
    stdout, table, doc = _summary_run(cluster, tmp_path / "first" / "summary.json")
    (WORK / "summary-first.txt").write_text(table)
    _check_against_cluster(cluster, doc)
    recap = _recap(stdout)
    for node in WANT_HANDLERS:
        if doc["nodes"][node]["changed"]:
            assert recap[node]["changed"] > 0, (node, doc["nodes"][node], recap[node])
    # Second run: nothing to do, and the summary says that too.
    path = tmp_path / "out" / "summary.json"
    stdout, table, doc = _summary_run(cluster, path)
    (WORK / "summary-plain.txt").write_text(table)
    _check_against_cluster(cluster, doc)
    for node in WANT_HANDLERS:
        assert doc["nodes"][node]["changed"] == []
        assert not doc["nodes"][node]["containerd_restarted"]
        assert not doc["nodes"][node]["kubelet_restarted"]
    lines = table.splitlines()
    node1 = next(line for line in lines if line.startswith("lab-node1 "))
    assert node1.split()[:5] == [
        "lab-node1",
        "ok",
        "crun,runc",
        "handler.cri-runtimes.io/crun=true,handler.cri-runtimes.io/runc=true",
        "nothing",
    ]
    assert node1.split()[5:] == ["no", "no"]
    gvisor = next(line for line in lines if line.startswith("gvisor "))
    assert "tolerates sandbox=gvisor:NoSchedule" in gvisor
    assert "cpu=100m,memory=64Mi" in gvisor
    assert f"cri.runtimes summary written to {path}" in stdout


# ---- the execution environment ---------------------------------------------------------


@pytest.fixture(scope="module")
def ee_image(cluster: Cluster) -> str:
    start = time.monotonic()
    proc = subprocess.run(
        [str(REPO / "scripts" / "setup" / "ee-image")], capture_output=True, text=True, env=cluster.lab.env, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    image = proc.stdout.strip().splitlines()[-1]
    print(f"EE image {image} ready in {time.monotonic() - start:.0f} s; {proc.stderr.strip()}")
    return image


@pytest.fixture(scope="module")
def podman_socket(cluster: Cluster) -> Iterator[Path]:
    """This host's podman API on a socket of the test's own, for the EE's podman client."""
    WORK.mkdir(parents=True, exist_ok=True)
    sock = WORK / "podman.sock"
    sock.unlink(missing_ok=True)
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        env=cluster.lab.env,
        stdout=subprocess.DEVNULL,
        stderr=open(WORK / "podman-service.log", "w"),  # noqa: SIM115 - lives as long as the service
    )
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert service.poll() is None, (WORK / "podman-service.log").read_text()
            assert time.monotonic() < deadline, "podman system service did not create its socket"
            time.sleep(0.2)
        yield sock
    finally:
        service.terminate()
        service.wait(timeout=20)
        sock.unlink(missing_ok=True)


def _runner_bin() -> Path:
    out = subprocess.run([str(REPO / "scripts" / "setup" / "make-ee-venv")], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip().splitlines()[-1])


def _private_data_dir(cluster: Cluster, name: str) -> Path:
    """What AWX lays out for a job: project, inventory, credentials, extra vars."""
    pdd = WORK / name
    if pdd.exists():
        shutil.rmtree(pdd)
    (pdd / "project").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    (pdd / "env").mkdir()
    # the project: a playbook importing the collection's, and the collection as a project
    # sync installs it from collections/requirements.yml
    (pdd / "project" / "site.yml").write_text(
        "---\n- name: cri.runtimes\n  ansible.builtin.import_playbook: cri.runtimes.site\n"
    )
    bin_dir = _runner_bin()
    build = WORK / "collection"
    subprocess.run(
        [str(bin_dir / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(build), str(REPO)],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        [
            str(bin_dir / "ansible-galaxy"),
            "collection",
            "install",
            "--force",
            "-p",
            str(pdd / "project" / "collections"),
            *map(str, build.glob("cri-runtimes-*.tar.gz")),
        ],
        capture_output=True,
        check=True,
        env={**os.environ, "ANSIBLE_HOME": str(WORK / "ansible-home")},
    )
    # the inventory source: the lab's inventory file with its group_vars beside it
    shutil.copy(REPO / "lab" / "inventory.yml", pdd / "inventory" / "hosts.yml")
    shutil.copytree(REPO / "lab" / "group_vars", pdd / "inventory" / "group_vars")
    # the Kubernetes bearer-token credential, as AWX injects it: environment + CA file
    api = STATE / "apiserver"
    env = dict(line.split("=", 1) for line in (api / "env").read_text().split() if "=" in line)
    shutil.copy(api / "ca.crt", pdd / "env" / "k8s-ca.crt")
    envvars = {
        "K8S_AUTH_HOST": env["APISERVER_URL"],
        "K8S_AUTH_API_KEY": (api / "admin.token").read_text().strip(),
        "K8S_AUTH_SSL_CA_CERT": "/runner/env/k8s-ca.crt",
        "K8S_AUTH_VERIFY_SSL": "True",
        # lab only: the connection plugin copies with `podman cp` (no mount point in the EE)
        "ANSIBLE_PODMAN_MOUNT_DETECTION": "false",
        # plain text for the recap and the table this test reads (ansible-runner forces colour)
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
    }
    (pdd / "env" / "envvars").write_text(json.dumps(envvars))
    os.chmod(pdd / "env" / "envvars", 0o600)
    (pdd / "env" / "extravars").write_text(
        json.dumps({"cri_runtimes_summary_path": "/runner/artifacts/cri-runtimes-summary.json"})
    )
    return pdd


def _run_in_ee(cluster: Cluster, image: str, sock: Path, name: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    pdd = _private_data_dir(cluster, name)
    start = time.monotonic()
    proc = subprocess.run(
        [
            str(_runner_bin() / "ansible-runner"),
            "run",
            str(pdd),
            "--playbook",
            "site.yml",
            "--ident",
            name,
            "--process-isolation",
            "--process-isolation-executable",
            "podman",
            "--container-image",
            image,
            # lab only: the API server listens on the lab network's gateway; the podman
            # socket for the connection plugin; root in the EE to use that socket
            f"--container-option=--network={NETWORK}",
            f"--container-option=--volume={sock}:/run/podman/podman.sock",
            # CONTAINER_HOST for the EE's podman only: in env/envvars ansible-runner would also
            # hand it to the host's podman that starts the EE
            "--container-option=--env=CONTAINER_HOST=unix:///run/podman/podman.sock",
            "--container-option=--user=0",
            "--container-option=--pull=never",
        ],
        capture_output=True,
        text=True,
        env={**cluster.lab.env, "ANSIBLE_HOME": str(WORK / "ansible-home")},
        check=False,
    )
    print(f"{name}: ansible-runner in the EE took {time.monotonic() - start:.0f} s")
    (WORK / f"{name}.log").write_text(proc.stdout + proc.stderr)
    return proc, pdd


def test_site_in_the_execution_environment(cluster: Cluster, ee_image: str, podman_socket: Path) -> None:
    # what the EE itself says it is
    inside = subprocess.run(
        ["podman", "run", "--rm", "--pull=never", ee_image, "ansible-galaxy", "collection", "list"],
        capture_output=True,
        text=True,
        env=cluster.lab.env,
        check=True,
    ).stdout
    for collection in ("cri.runtimes", "containers.podman", "community.general"):
        assert collection in inside

    # a change for the run to make: a handler label taken away (as someone's kubectl would)
    cluster.kubectl("label", "node", "lab-node1", f"{LABEL}-")
    first, pdd = _run_in_ee(cluster, ee_image, podman_socket, "ee-run-1")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    recap = _recap(first.stdout)
    assert set(recap) >= {"lab-node1", "lab-node2", "localhost"}, recap
    assert all(r["failed"] == 0 and r["unreachable"] == 0 for r in recap.values()), recap
    doc = json.loads((pdd / "artifacts" / "cri-runtimes-summary.json").read_text())
    _check_against_cluster(cluster, doc)
    assert doc["nodes"]["lab-node1"]["labels_added"] == [LABEL]
    assert f"+{LABEL}" in _summary_table(first.stdout)
    # nothing on the nodes themselves had drifted from what the plain run left
    for node in WANT_HANDLERS:
        assert doc["nodes"][node]["changed"] == [], doc["nodes"][node]
        assert not doc["nodes"][node]["containerd_restarted"]
        assert not doc["nodes"][node]["kubelet_restarted"]

    second, pdd = _run_in_ee(cluster, ee_image, podman_socket, "ee-run-2")
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    recap = _recap(second.stdout)
    assert {h: r["changed"] for h, r in recap.items()} == dict.fromkeys(recap, 0), recap
    doc2 = json.loads((pdd / "artifacts" / "cri-runtimes-summary.json").read_text())
    _check_against_cluster(cluster, doc2)
    assert doc2["nodes"]["lab-node1"]["labels_added"] == []
    assert all(c["changed"] is False for c in doc2["runtimeclasses"].values())
    print(_summary_table(second.stdout))
    print(f"python: {sys.version.split()[0]} (host); EE runs ansible-core from the image")
