# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.modules import containerd_runtime_info

from .runner import ModuleFail, run_module

# containerd 1.6/1.7 replace a plugin's whole table with an imported file's table
# (no deep merge), so the handlers live in the drop-in only.
CONFIG = """version = 2
imports = ["{dropin}"]
"""
DROPIN = """version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
    BinaryName = "{crun}"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ghost]
  runtime_type = "io.containerd.ghost.v2"
"""


def write_config(tmp_path: Path) -> Path:
    crun = tmp_path / "crun"
    crun.write_text("#!/bin/sh\n")
    crun.chmod(0o755)
    dropin = tmp_path / "ghost.toml"
    dropin.write_text(DROPIN.format(crun=crun))
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(dropin=dropin))
    return config


@pytest.mark.containerd
@pytest.mark.skipif(shutil.which("containerd") is None, reason="needs the real containerd")
def test_real_config_dump_merges_imports(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = run_module(containerd_runtime_info.main, {"path": str(config)}, check=True)
    assert result["changed"] is False
    assert result["source"] == "config dump"
    names = [h["name"] for h in result["handlers"]]
    assert "ghost" in names  # from the imported drop-in
    assert "crun" in result["verified"]
    assert "ghost" not in result["verified"]
    ghost = next(h for h in result["handlers"] if h["name"] == "ghost")
    assert ghost["missing"] == ["shim containerd-shim-ghost-v2 not found"]


def test_without_containerd_the_file_is_read(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = run_module(containerd_runtime_info.main, {"path": str(config), "containerd_bin": "no-such-containerd"})
    assert result["source"] == "file"
    assert result["handlers"] == []  # imports are not followed without containerd


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text("version = 2\n[plugins\n")
    with pytest.raises(ModuleFail, match=str(bad)):
        run_module(containerd_runtime_info.main, {"path": str(bad), "containerd_bin": "no-such-containerd"})


def test_invalid_toml_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text("version = 2\n[plugins\n")
    with pytest.raises(ModuleFail, match=rf"^not valid TOML: {bad}: line 2, column \d+"):
        run_module(containerd_runtime_info.main, {"path": str(bad), "containerd_bin": "no-such-containerd"})


def test_a_version_containerd_does_not_have_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('version = 5\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.crun]\n')
    with pytest.raises(ModuleFail, match="unknown config version 5; containerd has config versions 1, 2, 3 and 4"):
        run_module(containerd_runtime_info.main, {"path": str(cfg), "containerd_bin": "no-such-containerd"})


def test_failing_config_dump_names_the_file_and_keeps_rc(tmp_path: Path) -> None:
    # a stand-in containerd (the real one accepts any file it can parse): it refuses the config with rc 3
    fake = tmp_path / "containerd"
    fake.write_text("#!/bin/sh\necho 'failed to load TOML: line 2' >&2\nexit 3\n")
    fake.chmod(0o755)
    config = write_config(tmp_path)
    with pytest.raises(ModuleFail) as failed:
        run_module(containerd_runtime_info.main, {"path": str(config), "containerd_bin": str(fake)})
    assert failed.value.result["msg"] == f"{config}: containerd config dump failed: failed to load TOML: line 2"
    assert failed.value.result["rc"] == 3


def test_unreadable_config_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModuleFail, match=f"{tmp_path}: cannot read: .*Is a directory"):
        run_module(containerd_runtime_info.main, {"path": str(tmp_path), "containerd_bin": "no-such-containerd"})


# One read serves the containerd role's version check, its "config exists" and disabled-plugins
# decisions and the unit's state (issue 12: a faster converge).
def test_without_containerd_reports_no_version_and_the_file_facts(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('version = 2\ndisabled_plugins = ["cri", "io.containerd.internal.v1.tracing"]\n')
    result = run_module(containerd_runtime_info.main, {"path": str(config), "containerd_bin": "no-such-containerd"})
    assert result["containerd_version"] is None
    assert result["config_exists"] is True
    assert result["disabled_plugins"] == ["cri", "io.containerd.internal.v1.tracing"]
    assert "service" not in result


def test_a_missing_config_is_reported_not_an_error(tmp_path: Path) -> None:
    result = run_module(
        containerd_runtime_info.main, {"path": str(tmp_path / "none.toml"), "containerd_bin": "no-such-containerd"}
    )
    assert result["config_exists"] is False
    assert result["disabled_plugins"] == []


def test_service_state_is_two_booleans(tmp_path: Path) -> None:
    result = run_module(
        containerd_runtime_info.main,
        {"path": str(tmp_path / "none.toml"), "containerd_bin": "no-such-containerd", "service": "no-such-unit-xyz"},
    )
    assert result["service"] == {"active": False, "enabled": False}


@pytest.mark.containerd
@pytest.mark.skipif(shutil.which("containerd") is None, reason="needs the real containerd")
def test_real_containerd_reports_its_version(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = run_module(containerd_runtime_info.main, {"path": str(config)}, check=True)
    assert result["containerd_version"].startswith("containerd ")
    assert result["config_exists"] is True


# The kubelet role's cgroup check reads containerd's default runtime's SystemdCgroup from this
# same read (no second `config dump` round); judged by the real containerd's dump.
@pytest.mark.containerd
@pytest.mark.skipif(shutil.which("containerd") is None, reason="needs the real containerd")
@pytest.mark.parametrize("systemd", [True, False])
def test_real_dump_reports_the_default_runtimes_systemd_cgroup(tmp_path: Path, systemd: bool) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "version = 2\n"
        '[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
        f"  SystemdCgroup = {str(systemd).lower()}\n"
    )
    result = run_module(containerd_runtime_info.main, {"path": str(config)}, check=True)
    assert result["source"] == "config dump"
    assert result["systemd_cgroup"] is systemd


@pytest.mark.containerd
@pytest.mark.skipif(shutil.which("containerd") is None, reason="needs the real containerd")
def test_real_dump_without_the_cri_plugin_reports_no_cgroup_setting(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n')
    result = run_module(containerd_runtime_info.main, {"path": str(config)}, check=True)
    assert result["systemd_cgroup"] is None


def test_without_a_dump_there_is_no_cgroup_setting(tmp_path: Path) -> None:
    # the file alone is not what containerd runs with (imports, defaults): the kubelet role asks containerd
    config = write_config(tmp_path)
    result = run_module(containerd_runtime_info.main, {"path": str(config), "containerd_bin": "no-such-containerd"})
    assert result["systemd_cgroup"] is None
