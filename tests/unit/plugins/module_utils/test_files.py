# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _files


class FakeModule:
    """Just enough of AnsibleModule for the file helper, backed by the real filesystem."""

    def __init__(self, check_mode: bool = False, **params: Any) -> None:
        self.params: dict[str, Any] = params
        self.check_mode = check_mode
        self.commands: list[str] = []
        self.backups: list[str] = []

    def run_command(self, args: Any, **kwargs: Any) -> tuple[int, str, str]:
        self.commands.append(args)
        proc = subprocess.run(args, shell=True, capture_output=True, text=True, check=False)
        return proc.returncode, proc.stdout, proc.stderr

    def atomic_move(self, src: str, dest: str, unsafe_writes: bool = False, keep_dest_attrs: bool = True) -> None:
        os.replace(src, dest)

    def backup_local(self, fn: str) -> str:
        dest = fn + ".bak"
        shutil.copy2(fn, dest)
        self.backups.append(dest)
        return dest

    def load_file_common_arguments(self, params: dict[str, Any], path: str | None = None) -> dict[str, Any]:
        return {"path": path, "mode": params.get("mode")}

    def set_fs_attributes_if_different(
        self, file_args: dict[str, Any], changed: bool, diff: dict[str, Any] | None = None, expand: bool = True
    ) -> bool:
        if file_args.get("mode") is not None:
            want = int(file_args["mode"], 8)
            if os.stat(file_args["path"]).st_mode & 0o7777 != want:
                if not self.check_mode:
                    os.chmod(file_args["path"], want)
                return True
        return changed


def test_read_missing_file_is_empty(tmp_path: Path) -> None:
    cur = _files.read_current(str(tmp_path / "nope.toml"))
    assert not cur.exists
    assert cur.data == b""


def test_read_directory_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(_files.FileError, match=f"{tmp_path}: is a directory"):
        _files.read_current(str(tmp_path))


def test_symlink_followed_to_target(tmp_path: Path) -> None:
    target = tmp_path / "real.toml"
    target.write_text("a = 1\n")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    cur = _files.read_current(str(link))
    assert cur.path == str(target)
    _files.write_atomic(FakeModule(), cur, b"a = 2\n")
    assert link.is_symlink()
    assert target.read_text() == "a = 2\n"


def test_symlink_not_followed_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "real.toml"
    target.write_text("a = 1\n")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    assert _files.read_current(str(link), follow=False).path == str(link)


def test_same_bytes_is_no_change_and_no_write(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"x = 1\n")
    before = path.stat().st_mtime_ns
    res = _files.write_atomic(FakeModule(), _files.read_current(str(path)), b"x = 1\n", validate="false %s")
    assert not res.changed
    assert path.stat().st_mtime_ns == before


def test_check_mode_reports_change_but_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.toml"
    res = _files.write_atomic(FakeModule(check_mode=True), _files.read_current(str(path)), b"x = 1\n")
    assert res.changed
    assert not path.parent.exists()


def test_write_creates_dirs_backs_up_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "c.toml"
    mod = FakeModule()
    _files.write_atomic(mod, _files.read_current(str(path)), b"x = 1\n", backup=True)
    assert path.read_bytes() == b"x = 1\n"
    assert mod.backups == []  # nothing to back up on creation
    res = _files.write_atomic(mod, _files.read_current(str(path)), b"x = 2\n", backup=True)
    assert res.backup_file == str(path) + ".bak"
    assert Path(res.backup_file).read_bytes() == b"x = 1\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.toml", "c.toml.bak"]


def test_failed_validation_leaves_file_and_dir_untouched(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"x = 1\n")
    mod = FakeModule()
    with pytest.raises(_files.ValidationError, match=r"c\.toml: validation with .* failed \(rc=3\).*boom"):
        _files.write_atomic(
            mod, _files.read_current(str(path)), b"x = 2\n", validate="sh -c 'echo boom >&2; exit 3' %s", backup=True
        )
    assert path.read_bytes() == b"x = 1\n"
    assert mod.backups == []
    assert [p.name for p in tmp_path.iterdir()] == ["c.toml"]


def test_validate_sees_staged_file_next_to_target(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"x = 1\n")
    seen = tmp_path / "seen"
    _files.write_atomic(
        FakeModule(), _files.read_current(str(path)), b"x = 2\n", validate=f"sh -c 'dirname $0 > {seen}; cat $0' %s"
    )
    assert seen.read_text().strip() == str(tmp_path)


def test_validate_without_placeholder_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(_files.ValidationError, match="must contain %s"):
        _files.write_atomic(FakeModule(), _files.read_current(str(tmp_path / "c")), b"x", validate="true")


def test_existing_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"x = 1\n")
    path.chmod(0o600)
    _files.write_atomic(FakeModule(), _files.read_current(str(path)), b"x = 2\n")
    assert path.stat().st_mode & 0o777 == 0o600


def test_decode_names_file_and_offset() -> None:
    with pytest.raises(_files.FileError, match=r"/etc/x: not valid UTF-8 at byte 2"):
        _files.decode(b"ab\xff", "/etc/x")


def test_apply_attributes_reports_mode_change(tmp_path: Path) -> None:
    path = tmp_path / "c"
    path.write_text("")
    path.chmod(0o644)
    mod = FakeModule(mode="0600")
    assert _files.apply_attributes(mod, str(path), False)
    assert path.stat().st_mode & 0o777 == 0o600
    assert not _files.apply_attributes(mod, str(path), False)
