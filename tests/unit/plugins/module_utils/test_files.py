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


# ---------------------------------------------------------------- failures leave the file as it was (issue 10, item 11)
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"mode": "rwxbad"}, r"mode 'rwxbad' is neither octal .* nothing was written"),
        ({"mode": "0999"}, r"mode '0999' is neither octal"),
        ({"owner": "no-such-user-cri"}, r"owner 'no-such-user-cri' is no user on this host"),
        ({"group": "no-such-group-cri"}, r"group 'no-such-group-cri' is no group on this host"),
    ],
)
def test_bad_attributes_fail_before_anything_is_written(tmp_path: Path, params: dict, match: str) -> None:
    target = tmp_path / "config.toml"
    target.write_text("a = 1\n")
    for check in (True, False):
        with pytest.raises(_files.FileError, match=match):
            _files.write_atomic(FakeModule(check_mode=check, **params), _files.read_current(str(target)), b"a = 2\n")
    assert target.read_text() == "a = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


@pytest.mark.parametrize("mode", ["0644", "644", 0o600, "u=rw,g=r,o=r", "u+x", "a-w", "=r", "u=rwX,g=u"])
def test_good_modes_are_accepted(mode: Any) -> None:
    _files.check_attributes({"mode": mode, "owner": "root", "group": "0"}, "/x")


def test_a_full_disk_names_the_path_and_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "config.toml"
    target.write_text("a = 1\n")
    real_fsync = os.fsync

    def no_space(fd: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            return real_fsync(fd)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(_files.FileError, match=rf"{target}: cannot write the new content .*No space left on device"):
        _files.write_atomic(FakeModule(), _files.read_current(str(target)), b"a = 2\n")
    assert target.read_text() == "a = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_a_really_full_tmpfs_names_the_path(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mnt)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root); the injected ENOSPC test covers the code path")
    try:
        target = mnt / "config.toml"
        target.write_text("a = 1\n")
        big = b"# " + b"x" * 64 * 1024 + b"\n"
        with pytest.raises(_files.FileError, match=rf"{target}: cannot write the new content .*No space left"):
            _files.write_atomic(FakeModule(), _files.read_current(str(target)), big)
        assert target.read_text() == "a = 1\n"
        assert sorted(p.name for p in mnt.iterdir()) == ["config.toml"]
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_the_file_and_its_directory_are_synced_around_the_move(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "config.toml"
    target.write_text("a = 1\n")
    events: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        where = os.readlink(f"/proc/self/fd/{fd}")
        events.append("fsync-dir" if os.path.isdir(where) else f"fsync-file:{os.path.basename(where)}")
        real_fsync(fd)

    class Recording(FakeModule):
        def atomic_move(self, src: str, dest: str, unsafe_writes: bool = False, keep_dest_attrs: bool = True) -> None:
            events.append("move")
            super().atomic_move(src, dest)

    monkeypatch.setattr(os, "fsync", fsync)
    _files.write_atomic(Recording(), _files.read_current(str(target)), b"a = 2\n")
    assert [e.split(":")[0] for e in events] == ["fsync-file", "move", "fsync-dir"]
    assert events[0].startswith("fsync-file:.config.toml.cri-staged.")
    assert target.read_text() == "a = 2\n"


KILLED_WRITER = """
import sys
sys.path[:0] = {paths!r}
from ansible_collections.cri.runtimes.plugins.module_utils import _files
from tests.unit.plugins.module_utils.test_files import FakeModule
target = {target!r}
_files.write_atomic(FakeModule(), _files.read_current(target), b"a = 2\\n",
                    validate="sh -c 'touch {ready}; sleep 60' %s")
"""


def test_a_killed_run_leaves_the_file_and_the_next_run_removes_its_staged_file(tmp_path: Path) -> None:
    """SIGKILL between staging and the move: the target is intact; the next write cleans up."""
    import sys

    target = tmp_path / "config.toml"
    target.write_text("a = 1\n")
    ready = tmp_path / "validating"
    root = Path(__file__).resolve().parents[4]
    code = KILLED_WRITER.format(paths=[*sys.path], target=str(target), ready=str(ready))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, start_new_session=True)
    try:
        for _attempt in range(200):
            if ready.exists() or proc.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert ready.exists(), f"the writer did not reach validation (rc={proc.poll()})"
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()
    staged = [p.name for p in tmp_path.iterdir() if p.name.startswith(".config.toml.cri-staged.")]
    assert staged, "the killed run left no staged file: this test did not kill it between stage and move"
    assert target.read_text() == "a = 1\n"
    _files.write_atomic(FakeModule(), _files.read_current(str(target)), b"a = 3\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "validating"]
    assert target.read_text() == "a = 3\n"


def test_a_live_runs_staged_file_is_not_touched(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text("a = 1\n")
    live = tmp_path / f".config.toml.cri-staged.{os.getpid()}.abc.tmp"
    live.write_text("in progress")
    other = tmp_path / ".other.toml.cri-staged.999999999.abc.tmp"
    other.write_text("not ours")
    _files.write_atomic(FakeModule(), _files.read_current(str(target)), b"a = 2\n")
    assert live.exists()
    assert other.exists()


def _change(path: Path, text: str) -> _files.Change:
    cur = _files.read_current(str(path))
    return _files.Change(cur, text.encode(), cur.data.decode(), text)


def test_write_files_puts_back_what_it_wrote_when_a_later_file_fails(tmp_path: Path) -> None:
    existing = tmp_path / "dropin.toml"
    existing.write_text("a = 1\n")
    existing.chmod(0o600)
    new = tmp_path / "env"
    main = tmp_path / "config.toml"
    main.write_text("ok = true\n")
    changes = [_change(existing, "a = 2\n"), _change(new, "X=1\n"), _change(main, "broken\n")]
    module = FakeModule()
    # the validate command refuses only the last file
    with pytest.raises(_files.ValidationError, match=f"{main}: validation"):
        _files.write_files(module, changes, validate="grep -qv broken %s")
    assert existing.read_text() == "a = 1\n"
    assert existing.stat().st_mode & 0o777 == 0o600
    assert not new.exists()
    assert main.read_text() == "ok = true\n"
    assert not [p.name for p in tmp_path.iterdir() if _files.STAGED_TAG in p.name]


def test_write_files_reports_paths_backups_and_diffs(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.write_text("same\n")
    two.write_text("old\n")
    module = FakeModule(mode="0640")
    done = _files.write_files(module, [_change(one, "same\n"), _change(two, "new\n")], backup=True, diff=True)
    assert done.changed
    assert done.changed_paths == [str(two)]
    assert done.backups == {str(two): str(two) + ".bak"}
    assert done.diffs == [{"before": "old\n", "after": "new\n", "before_header": str(two), "after_header": str(two)}]
    # the attributes reach every file of the call, the unchanged one too
    assert one.stat().st_mode & 0o777 == 0o640
    again = _files.write_files(module, [_change(one, "same\n"), _change(two, "new\n")], diff=False)
    assert not again.changed
    assert again.diffs == []


def test_write_files_check_mode_writes_nothing_and_skips_attributes_of_new_files(tmp_path: Path) -> None:
    new = tmp_path / "sub" / "new"
    module = FakeModule(check_mode=True, mode="0600")
    done = _files.write_files(module, [_change(new, "x\n")], diff=True, attributes=[str(new)])
    assert done.changed
    assert done.changed_paths == [str(new)]
    assert not new.parent.exists()


def test_write_files_attributes_only_where_asked(tmp_path: Path) -> None:
    env, dropin = tmp_path / "env", tmp_path / "dropin.conf"
    env.write_text("A=1\n")
    dropin.write_text("[Service]\n")
    module = FakeModule(mode="0600")
    done = _files.write_files(module, [_change(env, "A=2\n")], attributes=[str(dropin)])
    assert done.changed
    assert dropin.stat().st_mode & 0o777 == 0o600
    assert env.stat().st_mode & 0o777 != 0o600
