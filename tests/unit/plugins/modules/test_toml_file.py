# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""toml_file through main(), on real files in tmp_path: check mode, diff, backup, src, attributes, errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.modules import toml_file

from .runner import ModuleFail, run_module

try:
    import tomllib as judge
except ImportError:  # Python < 3.11
    import tomli as judge  # type: ignore[no-redef]

RUNSC = """\
# written by the operator
log_path = "/var/log/runsc/%ID%/shim.log"

[runsc_config]
  platform = "systrap"
"""


@pytest.fixture
def runsc(tmp_path: Path) -> Path:
    path = tmp_path / "runsc.toml"
    path.write_text(RUNSC)
    return path


def test_four_runs(runsc: Path) -> None:
    args = {"path": str(runsc), "set": {"runsc_config.debug": "true", "log_level": "debug"}}
    first = run_module(toml_file.main, args, check=True, diff=True)
    assert first["changed"]
    assert runsc.read_text() == RUNSC  # check mode wrote nothing
    assert first["diff"]["before"] == RUNSC
    assert judge.loads(first["diff"]["after"])["runsc_config"] == {"platform": "systrap", "debug": "true"}
    assert sorted(first["changed_keys"]) == ["log_level", "runsc_config.debug"]

    second = run_module(toml_file.main, args)
    assert second["changed"]
    assert runsc.read_text() == first["diff"]["after"]
    assert '  debug = "true"\n' in runsc.read_text()  # the file's indentation under its header

    third = run_module(toml_file.main, args, check=True, diff=True)
    fourth = run_module(toml_file.main, args)
    assert not third["changed"]
    assert "diff" not in third
    assert not fourth["changed"]
    assert fourth["changed_keys"] == []


def test_backup_and_mode(runsc: Path) -> None:
    result = run_module(toml_file.main, {"path": str(runsc), "remove": ["log_path"], "backup": True, "mode": "0600"})
    assert result["changed"]
    assert Path(result["backup_file"]).read_text() == RUNSC
    assert stat.S_IMODE(os.stat(runsc).st_mode) == 0o600
    assert "log_path" not in judge.loads(runsc.read_text())
    again = run_module(toml_file.main, {"path": str(runsc), "remove": ["log_path"], "mode": "0644"})
    assert again["changed"]  # only the mode
    assert stat.S_IMODE(os.stat(runsc).st_mode) == 0o644


def test_src_is_read_only_and_path_is_its_derivation(tmp_path: Path, runsc: Path) -> None:
    dest = tmp_path / "out" / "derived.toml"
    args = {"path": str(dest), "src": str(runsc), "set": {"runsc_config.platform": "kvm"}}
    check = run_module(toml_file.main, args, check=True)
    assert check["changed"]
    assert not dest.exists()
    assert not dest.parent.exists()
    run_module(toml_file.main, args)
    assert runsc.read_text() == RUNSC
    assert dest.read_text() == RUNSC.replace('"systrap"', '"kvm"')
    assert not run_module(toml_file.main, args)["changed"]
    dest.write_text(dest.read_text().replace('"kvm"', '"ptrace"'))  # a hand edit is put back
    assert run_module(toml_file.main, args)["changed"]
    assert dest.read_text() == RUNSC.replace('"systrap"', '"kvm"')


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    with pytest.raises(ModuleFail, match=r"new\.toml: does not exist \(set create: true"):
        run_module(toml_file.main, {"path": str(path), "set": {"a": 1}})
    with pytest.raises(ModuleFail, match=r"missing\.toml: src does not exist"):
        run_module(toml_file.main, {"path": str(path), "src": str(tmp_path / "missing.toml")})
    run_module(toml_file.main, {"path": str(path), "set": {"a.b": 1}, "create": True})
    assert judge.loads(path.read_text()) == {"a": {"b": 1}}


def test_validate_failure_leaves_the_file(runsc: Path) -> None:
    with pytest.raises(ModuleFail, match=r"runsc\.toml: validation with 'false %s' failed"):
        run_module(toml_file.main, {"path": str(runsc), "set": {"x": 1}, "validate": "false %s"})
    assert runsc.read_text() == RUNSC
    assert [p.name for p in runsc.parent.iterdir()] == ["runsc.toml"]


def test_errors_name_the_file(runsc: Path) -> None:
    runsc.write_text(RUNSC + "bad = \n")
    with pytest.raises(ModuleFail, match=r"runsc\.toml: line 6, column \d+"):
        run_module(toml_file.main, {"path": str(runsc), "set": {"x": 1}})
    with pytest.raises(ModuleFail, match=r"set: log_level is null"):
        run_module(toml_file.main, {"path": str(runsc), "set": {"log_level": None}})
    runsc.write_bytes(b"\xff = 1\n")
    with pytest.raises(ModuleFail, match=r"not valid UTF-8 at byte 0"):
        run_module(toml_file.main, {"path": str(runsc), "set": {"x": 1}})
