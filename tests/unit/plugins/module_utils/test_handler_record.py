# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _handler_record as hr
from ansible_collections.cri.runtimes.plugins.module_utils._cri_client import NOTREADY, READY, CRIError, Sandbox

CFG = "/etc/containerd/config.toml"


def entry(name: str, **kw: Any) -> hr.Entry:
    return hr.Entry(name=name, config=kw.pop("config", CFG), **kw)


def sandbox(pod: str, handler: str, state: int = READY) -> Sandbox:
    ns, name = pod.split("/")
    return Sandbox(id=f"id-{name}", name=name, namespace=ns, uid="u", state=state, runtime_handler=handler)


class Module:
    """The parts of AnsibleModule the record needs (write_atomic's)."""

    def __init__(self, params: dict[str, Any], check_mode: bool = False) -> None:
        self.params = {"cri_socket": "/run/containerd/containerd.sock", **params}
        self.check_mode = check_mode

    def atomic_move(self, src: str, dest: str, unsafe_writes: bool = False, keep_dest_attrs: bool = True) -> None:
        os.replace(src, dest)

    def backup_local(self, fn: str) -> str:  # pragma: no cover - the record keeps no backup
        raise AssertionError("no backup expected")


def test_plan_records_requested_and_removes_only_recorded_ones_not_asked_for() -> None:
    before = {"crun": entry("crun", owner="crun role"), "runsc": entry("runsc")}
    calls: list[int] = []

    def sandboxes() -> list[Sandbox]:
        calls.append(1)
        return [sandbox("default/gv", "runsc"), sandbox("default/plain", "runc"), sandbox("x/nv", "nvidia")]

    out = hr.plan(before, [entry("runsc")], True, [], sandboxes)
    assert [e.name for e in out.remove] == ["crun"]
    assert not out.blocked
    assert calls == [1]
    # "nvidia" is not recorded: never removed, whatever runs with it
    assert "nvidia" not in {e.name for e in out.remove}


def test_plan_asks_cri_only_when_something_is_to_be_removed() -> None:
    def sandboxes() -> list[Sandbox]:
        raise AssertionError("no CRI call expected")

    out = hr.plan({"crun": entry("crun")}, [entry("crun")], True, [], sandboxes)
    assert out.remove == []
    assert not out.blocked


def test_plan_blocks_on_ready_sandboxes_naming_the_pods() -> None:
    out = hr.plan(
        {"crun": entry("crun"), "kata-qemu": entry("kata-qemu")},
        [],
        True,
        [],
        lambda: [
            sandbox("default/web", "crun"),
            sandbox("team-a/db", "crun"),
            sandbox("default/gone", "kata-qemu", NOTREADY),
        ],
    )
    assert out.blocked
    assert out.in_use == {"crun": ["default/web", "team-a/db"]}
    message = hr.refusal("lab-node1", out)
    assert message.startswith("Refusing to remove handler(s) crun, kata-qemu from lab-node1: ")
    assert "crun by default/web, team-a/db" in message
    assert "Nothing was changed" in message


def test_binaries_only_those_no_staying_handler_needs() -> None:
    before = {
        "kata-qemu": entry("kata-qemu", packages=("kata",), files=("/opt/kata/bin/qemu",)),
        "kata-clh": entry("kata-clh", packages=("kata",), files=("/opt/kata/bin/clh",)),
    }
    out = hr.plan(before, [before["kata-qemu"]], True, [], lambda: [])
    assert out.binaries == {"packages": [], "files": ["/opt/kata/bin/clh"]}


def test_forget_drops_from_the_record() -> None:
    out = hr.plan({"crun": entry("crun"), "runsc": entry("runsc")}, [], False, ["crun", "absent"], None)
    assert sorted(out.record) == ["runsc"]


def test_record_round_trip_and_errors_name_the_file() -> None:
    entries = {"crun": entry("crun", owner="crun role", packages=("crun",))}
    text = hr.render_record(entries)
    assert json.loads(text)["handlers"]["crun"] == {
        "config": CFG,
        "owner": "crun role",
        "packages": ["crun"],
        "files": [],
    }
    assert hr.parse_record(text, "/r.json") == entries
    assert hr.parse_record("", "/r.json") == {}
    with pytest.raises(hr.RecordError, match=r"^/r\.json: not valid JSON"):
        hr.parse_record("{", "/r.json")
    with pytest.raises(hr.RecordError, match=r"^/r\.json: record version 7"):
        hr.parse_record('{"version": 7, "handlers": {}}', "/r.json")
    with pytest.raises(hr.RecordError, match=r"^/r\.json: handlers\.Bad\.name: 'Bad' is not a DNS-1123 label"):
        hr.parse_record('{"version": 1, "handlers": {"Bad": {"config": "/c"}}}', "/r.json")
    with pytest.raises(hr.RecordError, match=r"^handlers\[0\]\.config: the absolute path"):
        hr.entry_from({"name": "crun", "config": "relative.toml"}, "handlers[0]")


def _run(tmp_path: Path, params: dict[str, Any], sandboxes: list[Sandbox], check: bool = False) -> dict[str, Any]:
    module = Module({"path": str(tmp_path / "state" / "handlers.json"), **params}, check_mode=check)
    return hr.run(module, lambda socket_path: sandboxes)


def test_run_writes_the_record_then_is_stable(tmp_path: Path) -> None:
    crun = {"name": "crun", "config": CFG, "owner": "crun role", "packages": ["crun"], "files": []}
    first = _run(tmp_path, {"handlers": [crun]}, [])
    assert first["changed"]
    assert first["record"]["crun"]["owner"] == "crun role"
    assert (tmp_path / "state" / "handlers.json").read_text() == hr.render_record({"crun": hr.entry_from(crun, "x")})
    second = _run(tmp_path, {"handlers": [crun], "prune": True}, [])
    assert not second["changed"]
    assert second["remove"] == []


def test_run_refuses_in_use_and_writes_nothing(tmp_path: Path) -> None:
    crun = {"name": "crun", "config": CFG}
    _run(tmp_path, {"handlers": [crun]}, [])
    before = (tmp_path / "state" / "handlers.json").read_bytes()
    runsc = {"name": "runsc", "config": CFG}
    out = _run(tmp_path, {"handlers": [runsc], "prune": True, "node": "lab-node1"}, [sandbox("default/web", "crun")])
    assert out["blocked"]
    assert out["in_use"] == {"crun": ["default/web"]}
    assert "lab-node1" in out["msg"]
    assert "default/web" in out["msg"]
    assert not out["changed"]
    assert (tmp_path / "state" / "handlers.json").read_bytes() == before  # runsc not recorded either


def test_run_check_mode_reports_and_writes_nothing(tmp_path: Path) -> None:
    out = _run(tmp_path, {"handlers": [{"name": "crun", "config": CFG}]}, [], check=True)
    assert out["changed"]
    assert not (tmp_path / "state").exists()
    assert out["diff"][0]["before"] == ""
    assert '"crun"' in out["diff"][0]["after"]


def test_run_reports_a_cri_failure_as_such(tmp_path: Path) -> None:
    _run(tmp_path, {"handlers": [{"name": "crun", "config": CFG}]}, [])
    module = Module({"path": str(tmp_path / "state" / "handlers.json"), "handlers": [], "prune": True})

    def broken(socket_path: str) -> list[Sandbox]:
        raise CRIError(f"cannot connect to the CRI socket {socket_path}: refused")

    with pytest.raises(hr.RecordError, match=r"^cannot tell whether the handlers to remove are in use: cannot connect"):
        hr.run(module, broken)


def test_run_refuses_a_handler_listed_twice(tmp_path: Path) -> None:
    with pytest.raises(hr.RecordError, match="listed twice"):
        _run(tmp_path, {"handlers": [{"name": "crun", "config": CFG}] * 2}, [])


def test_check_in_use_refuses_a_removal_a_role_asks_for_recorded_or_not() -> None:
    # the kata role removing the handler of a hypervisor no longer wanted (state absent): a pod
    # still running with it blocks the removal like a pruned handler's
    running = [sandbox("default/vm", "kata-clh"), sandbox("default/x", "runc")]
    out = hr.plan({}, [], False, [], lambda: running, check=("kata-clh",))
    assert out.blocked
    assert out.in_use == {"kata-clh": ["default/vm"]}
    assert out.remove == []
    assert hr.refusal("n1", out).startswith("Refusing to remove handler(s) kata-clh from n1: ")
    free = hr.plan({}, [], False, [], lambda: [sandbox("default/x", "runc")], check=("kata-clh",))
    assert not free.blocked
    assert free.binaries == {"packages": [], "files": []}


def test_run_check_in_use_writes_nothing(tmp_path: Path) -> None:
    out = _run(tmp_path, {"check_in_use": ["kata-clh"], "node": "n1"}, [sandbox("team/vm", "kata-clh")])
    assert out["blocked"]
    assert "team/vm" in out["msg"]
    assert not out["changed"]
    assert not (tmp_path / "state").exists()
    ok = _run(tmp_path, {"check_in_use": ["kata-clh"]}, [])
    assert not ok["blocked"]
    assert not ok["changed"]
    assert not (tmp_path / "state").exists()
