# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd_config's config_version: the migration of a main file and its drop-ins, as a user sees it.

The real containerd 2.1 judges the migrated files in tests/judges/test_containerd_migrate_judge.py;
here the module runs with validate disabled, on what it writes and reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import parse
from ansible_collections.cri.runtimes.plugins.modules import containerd_config

from .runner import ModuleFail, run_module

MAIN = """\
# the node's config
version = 2
imports = ["conf.d/*.toml"]

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "local/pause:1"  # keep
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
"""
DROPIN = """\
# written by kata-deploy
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-qemu]
  runtime_type = "io.containerd.kata-qemu.v2"
"""


@pytest.fixture
def node(tmp_path: Path) -> Path:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "kata.toml").write_text(DROPIN)
    main = tmp_path / "config.toml"
    main.write_text(MAIN)
    return main


def run(main: Path, **kw: object) -> dict:
    args = {"path": str(main), "config_version": 3, "validate": ""}
    args.update(kw.pop("args", {}))  # type: ignore[call-overload]
    return run_module(containerd_config.main, args, **kw)  # type: ignore[arg-type]


def test_check_mode_shows_both_diffs_and_writes_nothing(node: Path) -> None:
    res = run(node, check=True, diff=True)
    assert res["changed"] is True
    assert res["version"] == 3
    assert [d["after_header"] for d in res["diff"]] == [str(node.parent / "conf.d" / "kata.toml"), str(node)]
    assert node.read_text() == MAIN
    assert (node.parent / "conf.d" / "kata.toml").read_text() == DROPIN
    assert "runtimes.kata-qemu]" in res["diff"][0]["after"]


def test_real_run_then_idempotent(node: Path) -> None:
    first = run(node)
    assert first["changed"] is True
    assert first["restart_needed"] is True
    assert first["handlers"] == ["kata-qemu", "runc"]
    main = parse(node.read_text(), "test")
    assert main["version"] == 3
    assert main["imports"] == ["conf.d/*.toml"]
    assert main["plugins"]["io.containerd.cri.v1.images"]["pinned_images"]["sandbox"] == "local/pause:1"
    assert "# the node's config" in node.read_text()
    assert 'sandbox = "local/pause:1"  # keep' in node.read_text()
    dropin = (node.parent / "conf.d" / "kata.toml").read_text()
    assert dropin.startswith("# written by kata-deploy\nversion = 3\n")
    second = run(node)
    assert second["changed"] is False


def test_backup_keeps_the_original(node: Path) -> None:
    res = run(node, args={"backup": True})
    assert Path(res["backup_file"]).read_text() in (MAIN, DROPIN)


def test_every_migrated_file_is_listed_with_its_own_backup(node: Path) -> None:
    """A rollback must put back each drop-in too, not only the main file that backup_file names."""
    dropin = str(node.parent / "conf.d" / "kata.toml")
    checked = run(node, check=True, args={"backup": True})
    assert checked["changed_files"] == [dropin, str(node)]
    assert checked["backup_files"] == {}
    res = run(node, args={"backup": True})
    assert res["changed_files"] == [dropin, str(node)]
    assert sorted(res["backup_files"]) == sorted([dropin, str(node)])
    assert Path(res["backup_files"][dropin]).read_text() == DROPIN
    assert Path(res["backup_files"][str(node)]).read_text() == MAIN
    assert res["backup_file"] == res["backup_files"][str(node)]
    again = run(node, args={"backup": True})
    assert again["changed_files"] == []
    assert again["backup_files"] == {}


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"runtimes": [{"name": "crun"}]}, "cannot be combined"),
        ({"dropin": "/tmp/x.toml"}, "cannot be combined"),
    ],
)
def test_other_edits_cannot_ride_along(node: Path, extra: dict, match: str) -> None:
    with pytest.raises(ModuleFail, match=match):
        run(node, args=extra)
    assert node.read_text() == MAIN


def test_a_refused_dropin_leaves_every_file_as_it_was(node: Path) -> None:
    bad = node.parent / "conf.d" / "zz-nvidia.toml"
    text = (
        'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]\n'
        'runtime_type = "io.containerd.runc.v1"\n'
    )
    bad.write_text(text)
    with pytest.raises(
        ModuleFail, match=r"zz-nvidia\.toml: handler nvidia uses runtime_type 'io\.containerd\.runc\.v1'"
    ):
        run(node)
    assert node.read_text() == MAIN
    assert bad.read_text() == text
    assert (node.parent / "conf.d" / "kata.toml").read_text() == DROPIN


def test_a_file_already_at_the_target_is_left_alone(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    text = 'version = 3\n[plugins."io.containerd.cri.v1.images".pinned_images]\nsandbox = "p"\n'
    cfg.write_text(text)
    assert run(cfg)["changed"] is False
    assert cfg.read_text() == text


def test_a_runc_v1_handler_is_refused_on_containerd_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """containerd 2.0 removed io.containerd.runc.v1: asking for such a handler on a 2.x node names it."""
    fake = tmp_path / "bin" / "containerd"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'containerd github.com/containerd/containerd/v2 v2.1.9 abc'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 3\n")
    item = {"name": "legacy", "runtime_type": "io.containerd.runc.v1"}
    with pytest.raises(ModuleFail, match=r"handler legacy: runtime_type 'io\.containerd\.runc\.v1' was removed"):
        run_module(containerd_config.main, {"path": str(cfg), "runtimes": [item], "validate": ""})
    assert cfg.read_text() == "version = 3\n"
