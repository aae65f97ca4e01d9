# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator's summary, fed with results shaped as ansible-core hands them to a callback.

The e2e suite (tests/e2e/test_summary_ee.py) checks the same table against a real lab run;
these cases cover what the lab cannot show (a failed node, a deleted class, check mode).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ansible_collections.cri.runtimes.plugins.plugin_utils._summary import Recorder, write_json


def _facts(handlers: list[str]) -> dict:
    return {"ansible_facts": {"cri_runtimes_verified_handlers": handlers}, "changed": False}


def _restart(unit: str) -> dict:
    # below -vvv ansible-core hands callbacks no "invocation": the task's args come separately
    return {"changed": True, "name": unit}


def _lab_run(rec: Recorder) -> None:
    rec.task_result("n1", "ansible.builtin.set_fact", "cri.runtimes.containerd", "Publish", _facts(["crun", "runc"]))
    rec.task_result("n2", "ansible.builtin.set_fact", "cri.runtimes.containerd", "Publish", _facts(["runc", "runsc"]))
    rec.task_result("n1", "cri.runtimes.containerd_config", "cri.runtimes.crun", "Register crun", {"changed": True})
    rec.task_result(
        "n1",
        "ansible.builtin.systemd_service",
        "cri.runtimes.containerd",
        "Restart",
        _restart("containerd"),
        args={"name": "containerd", "state": "restarted"},
    )
    # a daemon-reload is not a restart, and an unchanged task is not a change
    rec.task_result("n1", "ansible.builtin.systemd_service", "cri.runtimes.kubelet", "Reload", {"changed": True})
    rec.task_result("n2", "ansible.builtin.command", "cri.runtimes.kubelet", "Read", {"changed": False})
    rec.task_result(
        "localhost",
        "cri.runtimes.node_labels",
        "cri.runtimes.runtimeclass",
        "Label the node",
        {
            "changed": True,
            "results": [
                {
                    "item": {"key": "n1", "value": ["crun", "runc"]},
                    "changed": True,
                    "labels": {
                        "handler.cri-runtimes.io/crun": "true",
                        "handler.cri-runtimes.io/runc": "true",
                        "x": "y",
                    },
                    "owned": ["handler.cri-runtimes.io/crun", "handler.cri-runtimes.io/runc"],
                    "added": ["handler.cri-runtimes.io/crun"],
                    "removed": [],
                }
            ],
        },
    )
    gvisor = {
        "handler": "runsc",
        "overhead": {"podFixed": {"cpu": "100m", "memory": "64Mi"}},
        "scheduling": {
            "nodeSelector": {"handler.cri-runtimes.io/runsc": "true"},
            "tolerations": [{"key": "sandbox", "operator": "Equal", "value": "gvisor", "effect": "NoSchedule"}],
        },
    }
    rec.task_result(
        "localhost",
        "cri.runtimes.runtimeclass",
        "cri.runtimes.runtimeclass",
        "Apply the RuntimeClass",
        {
            "changed": False,
            "results": [
                # the role's loops: {key, value} items to apply, names to delete; no invocation
                {"changed": False, "item": {"key": "gvisor", "value": {"handler": "runsc"}}, "result": gvisor},
                {"changed": True, "item": "old", "result": {}},
            ],
        },
    )


def test_nodes_and_classes_as_the_operator_reads_them() -> None:
    rec = Recorder()
    _lab_run(rec)
    rec.host_status("n2", "failed")
    doc = rec.document()
    n1, n2 = doc["nodes"]["n1"], doc["nodes"]["n2"]
    assert n1["handlers_verified"] == ["crun", "runc"]
    assert n1["changed"] == ["crun: Register crun", "kubelet: Reload"]
    assert (n1["containerd_restarted"], n1["kubelet_restarted"]) == (True, False)
    assert n1["labels"] == ["handler.cri-runtimes.io/crun=true", "handler.cri-runtimes.io/runc=true"]
    assert n1["labels_added"] == ["handler.cri-runtimes.io/crun"]
    assert n2["status"] == "failed"
    assert n2["changed"] == []
    gvisor = doc["runtimeclasses"]["gvisor"]
    assert gvisor["nodes_offering"] == 1
    assert gvisor["nodes"] == ["n2"]
    assert gvisor["overhead"] == {"cpu": "100m", "memory": "64Mi"}
    assert doc["runtimeclasses"]["old"]["deleted"] is True
    table = rec.render()
    assert "n1    ok      crun,runc" in table
    assert "+handler.cri-runtimes.io/crun" in table
    assert "crun(1),kubelet(1)" in table
    gvisor_row = next(line.split() for line in table.splitlines() if line.startswith("gvisor "))
    assert gvisor_row == [
        "gvisor", "ok", "runsc", "handler.cri-runtimes.io/runsc=true", "tolerates", "sandbox=gvisor:NoSchedule",
        "cpu=100m,memory=64Mi", "1",
    ]  # fmt: skip
    assert "localhost" not in table  # the cluster host did nothing to show per node


def test_check_mode_says_would() -> None:
    rec = Recorder(check_mode=True)
    _lab_run(rec)
    assert "CONTAINERD WOULD RESTART" in rec.render()
    assert rec.document()["check_mode"] is True


def test_a_run_without_the_collection_shows_nothing() -> None:
    rec = Recorder()
    rec.task_result("h", "ansible.builtin.copy", "", "Copy", {"changed": True})
    assert rec.seen_collection is False


def test_json_is_written_whole(tmp_path: Path) -> None:
    rec = Recorder()
    _lab_run(rec)
    path = tmp_path / "deep" / "summary.json"
    write_json(str(path), rec.document())
    assert json.loads(path.read_text()) == rec.document()
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"]
