# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two containerd generations in one cluster: trixie's 1.7 on lab-node1, bookworm's 1.6 on lab-node2.

The real kubelet 1.20 and scheduler run against both; each node's containerd is read from the node
itself (``containerd --version``) and from what the kubelet learnt through CRI's Version call (the
Node's ``status.nodeInfo.containerRuntimeVersion``), and pods ran under the handlers of both nodes.
This file runs before test_lab.py, whose last test uninstalls the collection.
"""

from __future__ import annotations

import re
from typing import Any

from .conftest import Cluster

# The inventory's choice (lab/inventory.yml, lab_suite): the series each node must run.
WANT_SERIES = {"lab-node1": "1.7", "lab-node2": "1.6"}
_VERSION = re.compile(r"^containerd \S+ v?(\d+\.\d+\.\d+\S*)")


def containerd_version(cluster: Cluster, node: str) -> str:
    """The version ``containerd --version`` prints on the node (1.7.24~ds1, 1.6.20~ds1)."""
    out = cluster.node_exec(node, "containerd", "--version").strip()
    m = _VERSION.match(out)
    assert m, f"{node}: unexpected `containerd --version`: {out!r}"
    return m.group(1)


def handlers_of(cluster: Cluster, node: str) -> set[str]:
    labels = cluster.get("node", node)["metadata"].get("labels", {})
    return {k.split("/", 1)[1] for k, v in labels.items() if k.startswith("handler.cri-runtimes.io/") and v == "true"}


def node_info(cluster: Cluster, node: str) -> dict[str, Any]:
    info: dict[str, Any] = cluster.get("node", node)["status"]["nodeInfo"]
    return info


def test_each_node_runs_its_suites_containerd_and_the_kubelet_sees_it_through_cri(cluster: Cluster) -> None:
    seen = {}
    for node, series in WANT_SERIES.items():
        version = containerd_version(cluster, node)
        info = node_info(cluster, node)
        print(
            f"{node}: containerd --version {version}; CRI Version via kubelet {info['containerRuntimeVersion']};"
            f" kubelet {info['kubeletVersion']}; {info['osImage']}"
        )
        assert version.startswith(series + "."), f"{node}: containerd {version}, want the {series} series"
        # the kubelet's CRI Version call answers with the same daemon's version (Debian's 1.7
        # reports it without the package suffix: 1.7.24, where --version says 1.7.24~ds1)
        assert info["containerRuntimeVersion"] in {
            f"containerd://{version}",
            f"containerd://{version.split('~')[0]}",
        }, info
        assert info["kubeletVersion"].startswith("v1.20."), info
        seen[node] = version
    assert {".".join(v.split(".")[:2]) for v in seen.values()} == {"1.6", "1.7"}, seen


def test_pods_ran_under_the_handlers_of_both_generations(cluster: Cluster) -> None:
    ran: dict[str, list[str]] = {}
    for pod in cluster.smoke():
        if pod["phase"] != "Running":
            continue
        node = pod["node"]
        handlers = handlers_of(cluster, node)
        # containerd on that node recorded the sandbox's runtime (the smoke reads it from the node)
        assert pod["runtime"] == "io.containerd.runc.v2", pod
        handler = {"runc": "runc", "crun": "crun", "gvisor": "runsc"}[pod["runtime_class"]]
        assert handler in handlers, f"{pod['pod']} ran on {node} without {handler}"
        ran.setdefault(node, []).append(handler)
    print(", ".join(f"{node} (containerd {WANT_SERIES[node]}): {sorted(h)}" for node, h in sorted(ran.items())))
    assert set(ran) == set(WANT_SERIES), f"pods ran only on {sorted(ran)}"
    assert "crun" in ran["lab-node1"]
    assert "runsc" in ran["lab-node2"]
