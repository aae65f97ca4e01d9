# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end, against the lab that `python -m lab up` started and configured.

The tests run in file order: the last one uninstalls the collection from the lab.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from lab.smoke import NAMESPACE, NOWHERE_CLASS

from .conftest import Cluster

PROOF_TIMEOUT = 120
FOREIGN_BLOCK = (
    "\n# Added by nvidia-ctk (simulated by the end-to-end test): not ours to touch.\n"
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]\n'
    '  runtime_type = "io.containerd.runc.v2"\n'
    "  privileged_without_host_devices = false\n"
    '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]\n'
    '    BinaryName = "/usr/bin/nvidia-container-runtime"\n'
)


def by_class(cluster: Cluster) -> dict[str, dict[str, Any]]:
    return {r["runtime_class"]: r for r in cluster.smoke()}


def handlers_of(cluster: Cluster, node: str) -> set[str]:
    labels = cluster.get("node", node)["metadata"].get("labels", {})
    return {k.split("/", 1)[1] for k, v in labels.items() if k.startswith("handler.cri-runtimes.io/") and v == "true"}


@pytest.mark.parametrize(("runtime_class", "handler"), [("runc", "runc"), ("crun", "crun"), ("gvisor", "runsc")])
def test_pod_runs_on_a_node_with_its_handler(cluster: Cluster, runtime_class: str, handler: str) -> None:
    pod = by_class(cluster)[runtime_class]
    assert pod["phase"] == "Running", pod
    assert handler in handlers_of(cluster, pod["node"]), f"{pod['pod']} ran on {pod['node']} without {handler}"
    # the sandbox really ran under that handler: containerd recorded it on the node
    assert pod["runtime"] == "io.containerd.runc.v2"


def test_runc_pod_runs_under_runc(cluster: Cluster) -> None:
    pod = by_class(cluster)["runc"]
    assert pod["binary"] in ("", "runc") or pod["binary"].endswith("/runc"), pod
    assert not pod["gvisor"]


def test_crun_pod_runs_under_crun(cluster: Cluster) -> None:
    pod = by_class(cluster)["crun"]
    assert pod["binary"].endswith("/crun"), pod
    host_kernel = cluster.node_exec(pod["node"], "uname", "-r").strip()
    assert pod["kernel"] == host_kernel


def test_gvisor_pod_runs_in_gvisor(cluster: Cluster) -> None:
    pod = by_class(cluster)["gvisor"]
    assert pod["gvisor"], "no 'Starting gVisor' in the pod's kernel messages"
    host_kernel = cluster.node_exec(pod["node"], "uname", "-r").strip()
    assert pod["kernel"], "the pod printed no kernel release"
    assert pod["kernel"] != host_kernel, "uname -r shows the host's kernel, not gVisor's"
    logs = cluster.kubectl("logs", "-n", NAMESPACE, pod["pod"])
    assert "Starting gVisor" in logs


def test_class_matching_no_node_stays_pending_with_the_schedulers_reason(cluster: Cluster) -> None:
    pod = by_class(cluster)[NOWHERE_CLASS]
    assert pod["phase"] == "Pending"
    assert not pod["node"]
    assert re.search(r"0/\d+ nodes are available: .*node\(s\) didn't match", pod["reason"]), pod["reason"]


def test_api_server_injected_each_classes_overhead_and_scheduling(cluster: Cluster) -> None:
    classes = {rc["metadata"]["name"]: rc for rc in cluster.get("runtimeclasses.node.k8s.io")["items"]}
    with_overhead = 0
    for result in cluster.smoke():
        rc = classes[result["runtime_class"]]
        pod = cluster.get("pod", "-n", NAMESPACE, result["pod"])
        want = (rc.get("overhead") or {}).get("podFixed")
        assert pod["spec"].get("overhead") == want, result["pod"]
        with_overhead += bool(want)
        selector = (rc.get("scheduling") or {}).get("nodeSelector") or {}
        for key, value in selector.items():
            assert pod["spec"].get("nodeSelector", {}).get(key) == value
        for toleration in (rc.get("scheduling") or {}).get("tolerations") or []:
            assert toleration in pod["spec"].get("tolerations", [])
    assert with_overhead, "no class in the lab carries an overhead: the admission proof would be empty"


def test_tainted_sandbox_node_only_takes_pods_that_tolerate_it(cluster: Cluster) -> None:
    sandbox = [n for n, hv in cluster.nodes.items() if hv.get("lab_taints")]
    assert sandbox, "the lab inventory has no tainted node"
    assert by_class(cluster)["gvisor"]["node"] in sandbox
    names = [f"plain-{i}" for i in range(4)]
    try:
        for name in names:
            cluster.kubectl(
                "run",
                name,
                "-n",
                NAMESPACE,
                "--image=localhost/cri-runtimes/busybox:test",
                "--image-pull-policy=Never",
                "--restart=Never",
                "--overrides",
                '{"spec": {"automountServiceAccountToken": false}}',
                "--",
                "sleep",
                "600",
            )
        deadline = time.monotonic() + PROOF_TIMEOUT
        while True:
            placed = {n: cluster.get("pod", "-n", NAMESPACE, n)["spec"].get("nodeName") for n in names}
            if all(placed.values()) or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert all(placed.values()), placed
        assert not set(placed.values()) & set(sandbox), placed
    finally:
        cluster.kubectl("delete", "pod", "-n", NAMESPACE, "--wait=false", *names, check=False)


def test_kubelet_flags_sit_in_the_packagers_extension_point(cluster: Cluster) -> None:
    """Nodes are laid out as today's kubeadm packages do; the flags went to /etc/default/kubelet."""
    sock = "unix:///run/containerd/containerd.sock"
    for node in cluster.nodes:
        dropins = cluster.node_exec(node, "systemctl", "show", "-p", "DropInPaths", "--value", "kubelet").split()
        assert "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf" in dropins, dropins
        assert cluster.node_exec(node, "ls", "/etc/systemd/system/kubelet.service.d").split() == ["05-lab-cgroups.conf"]
        assert f"--container-runtime-endpoint={sock}" in cluster.node_exec(node, "cat", "/etc/default/kubelet")
        pid = cluster.main_pid(node, "kubelet")
        argv = cluster.node_exec(node, "cat", f"/proc/{pid}/cmdline").split("\0")
        for flag in ("--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml"):
            assert flag in argv, argv
        assert [w for w in argv if w.startswith("--container-runtime=")] == ["--container-runtime=remote"], argv
        assert [w for w in argv if w.startswith("--container-runtime-endpoint")] == [
            f"--container-runtime-endpoint={sock}"
        ], argv


def test_second_site_run_changes_nothing_and_restarts_nothing(cluster: Cluster) -> None:
    pids = {n: (cluster.main_pid(n, "containerd"), cluster.main_pid(n, "kubelet")) for n in cluster.nodes}
    writes = len(cluster.admin_writes())
    run = cluster.playbook("site.yml")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    recap = dict(re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", run.stdout, re.M))
    assert set(cluster.nodes) <= set(recap), recap
    assert all(changed == "0" for changed in recap.values()), recap
    assert pids == {n: (cluster.main_pid(n, "containerd"), cluster.main_pid(n, "kubelet")) for n in cluster.nodes}
    new_writes = cluster.admin_writes()[writes:]
    assert not new_writes, [(e["verb"], e["requestURI"]) for e in new_writes]


def test_uninstall_removes_ours_and_keeps_a_foreign_handler(cluster: Cluster, tmp_path: Path) -> None:
    node = next(n for n, hv in cluster.nodes.items() if "crun" in hv.get("cri_runtimes", []))
    config = "/etc/containerd/config.toml"
    # Another tool adds its handler after us, as nvidia-ctk would.
    cluster.node_exec(node, "sh", "-c", f"printf '%s' '{FOREIGN_BLOCK}' >> {config}")
    cluster.node_exec(node, "systemctl", "restart", "containerd")
    before = cluster.node_exec(node, "cat", config)
    assert FOREIGN_BLOCK in before
    foreign_class = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "someone-elses"},
        "handler": "nvidia",
    }
    manifest = tmp_path / "foreign-class.json"
    manifest.write_text(json.dumps(foreign_class))
    cluster.kubectl("apply", "-f", str(manifest))

    run = cluster.playbook("uninstall.yml")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

    after = cluster.node_exec(node, "cat", config)
    assert FOREIGN_BLOCK in after, "the foreign handler's text changed"
    dump = cluster.node_exec(node, "containerd", "config", "dump")
    assert "runtimes.nvidia]" in dump
    assert "runtimes.crun]" not in dump
    assert "runtimes.runc]" in dump
    for n in cluster.nodes:
        assert handlers_of(cluster, n) == set(), n
    classes = {rc["metadata"]["name"] for rc in cluster.get("runtimeclasses.node.k8s.io")["items"]}
    assert "someone-elses" in classes
    assert NOWHERE_CLASS in classes
    assert not classes & {"runc", "crun", "gvisor"}, classes
    # containerd came back with the foreign handler loaded
    plugins = cluster.node_exec(node, "ctr", "plugins", "ls")
    assert re.search(r"(?m)^io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok", plugins)
