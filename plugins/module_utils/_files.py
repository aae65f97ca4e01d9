# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one file-writing path shared by every module of this collection that edits a file.

Read the current bytes, let the caller compute new bytes, and if they differ:
stage them in a temporary file next to the target, run the caller's
``validate`` command on the staged file, take a backup when asked, then move
the staged file over the target atomically and apply the file attributes.
``write_files`` is that whole sequence for one or more files (check the
attributes → write and validate each → backup → diff → attributes, and put
back the files already written when a later one fails); modules call only it.

The staged file lives in the target's own directory rather than in
``module.tmpdir``: containerd resolves relative ``imports`` against the
directory of the config file it reads, so validating a copy elsewhere would
validate a different configuration. Same directory also makes the final
rename atomic without a cross-device copy.

Durability and failure: the file attributes asked for (``mode``, ``owner``,
``group``) are checked before anything is written, so a bad one fails with the
target untouched. The staged file is fsync'ed before the rename and the
directory after it, so a crash leaves either the old or the new content. A run
that is killed (SIGKILL, no ``finally``) between staging and the rename leaves
its staged file ``.<name>.cri-staged.<pid>.<random>``; the next write to the
same file removes every such file whose process no longer exists. OS errors
name the path.

Nothing here imports Ansible: the module object is used through the small
protocol below, so the functions can be unit tested with a fake.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shlex
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Any, Protocol


class FileError(Exception):
    """A file cannot be read or written; the message names the path."""


class ValidationError(FileError):
    """The caller's validate command rejected the staged file."""


class ModuleLike(Protocol):
    """The parts of AnsibleModule the helpers use."""

    params: dict[str, Any]
    check_mode: bool

    def run_command(self, args: Any, **kwargs: Any) -> tuple[int, str, str]: ...

    def atomic_move(self, src: str, dest: str, unsafe_writes: bool = False, keep_dest_attrs: bool = True) -> None: ...

    def backup_local(self, fn: str) -> str: ...

    def load_file_common_arguments(self, params: dict[str, Any], path: str | None = None) -> dict[str, Any]: ...

    def set_fs_attributes_if_different(
        self, file_args: dict[str, Any], changed: bool, diff: dict[str, Any] | None = None, expand: bool = True
    ) -> bool: ...


@dataclass
class Current:
    """What is on disk now at a (resolved) path."""

    path: str
    exists: bool
    data: bytes = b""


@dataclass
class WriteResult:
    changed: bool = False
    backup_file: str | None = None
    diff: list[dict[str, str]] = field(default_factory=list)


def resolve(path: str, follow: bool = True) -> str:
    """Return the path to edit: a symlink is followed to its target when ``follow``."""
    path = os.path.expanduser(path)
    if follow and os.path.islink(path):
        return os.path.realpath(path)
    return path


def read_current(path: str, follow: bool = True) -> Current:
    """Read the file at ``path``; a missing file is an empty, non-existing one."""
    real = resolve(path, follow)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return Current(path=real, exists=False)
    except OSError as exc:
        raise FileError(f"{real}: cannot stat: {exc.strerror}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise FileError(f"{real}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise FileError(f"{real}: is not a regular file")
    try:
        with open(real, "rb") as fh:
            return Current(path=real, exists=True, data=fh.read())
    except OSError as exc:
        raise FileError(f"{real}: cannot read: {exc.strerror}") from exc


def decode(data: bytes, path: str) -> str:
    """Decode a config file as UTF-8, naming the file and offset when that fails."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not valid UTF-8 at byte {exc.start}") from exc


def text_diff(before: str, after: str, path: str) -> dict[str, str]:
    return {"before": before, "after": after, "before_header": path, "after_header": path}


def validate_staged(module: ModuleLike, validate: str, staged: str, target: str) -> None:
    """Run ``validate`` (with ``%s`` for the staged file); raise ValidationError on failure."""
    if "%s" not in validate:
        raise ValidationError(f"validate must contain %s where the file to check goes, got: {validate}")
    rc, out, err = module.run_command(validate % shlex.quote(staged), use_unsafe_shell=False)
    if rc != 0:
        detail = (err or out).strip().replace(staged, target)
        raise ValidationError(f"{target}: validation with '{validate}' failed (rc={rc}), file left unchanged: {detail}")


STAGED_TAG = ".cri-staged."
# Ansible's symbolic modes (AnsibleModule._symbolic_mode_to_octal): comma-separated
# "<users><op><perms>[<op><perms>...]" with users from "ugo" or "a" or nothing
_SYMBOLIC_PART = re.compile(r"^(?:a|[ugo]*)(?:[-+=][rwxXstugo]*)+$")


def check_attributes(params: dict[str, Any], path: str) -> None:
    """Refuse a ``mode``, ``owner`` or ``group`` that cannot be applied, before anything is written."""
    mode = params.get("mode")
    if mode is not None and not _valid_mode(mode):
        raise FileError(
            f"{path}: mode {mode!r} is neither octal (0644) nor symbolic (u=rw,g=r,o=r); nothing was written"
        )
    owner = params.get("owner")
    if owner not in (None, "") and not str(owner).isdigit():
        try:
            pwd.getpwnam(str(owner))
        except KeyError:
            raise FileError(f"{path}: owner {owner!r} is no user on this host; nothing was written") from None
    group = params.get("group")
    if group not in (None, "") and not str(group).isdigit():
        try:
            grp.getgrnam(str(group))
        except KeyError:
            raise FileError(f"{path}: group {group!r} is no group on this host; nothing was written") from None


def _valid_mode(mode: Any) -> bool:
    if isinstance(mode, bool):
        return False
    if isinstance(mode, int):
        return 0 <= mode <= 0o7777
    text = str(mode)
    try:
        return 0 <= int(text, 8) <= 0o7777
    except ValueError:
        return all(_SYMBOLIC_PART.match(part) for part in text.split(","))


def clean_stale_staged(path: str) -> list[str]:
    """Remove the staged files of ``path`` left by runs whose process is gone; return them."""
    directory = os.path.dirname(path) or "."
    prefix = f".{os.path.basename(path)}{STAGED_TAG}"
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(os.path.join(directory, name))
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    module: ModuleLike,
    current: Current,
    data: bytes,
    *,
    validate: str | None = None,
    backup: bool = False,
    create_dirs: bool = True,
) -> WriteResult:
    """Replace ``current.path`` with ``data`` unless it already holds those bytes.

    In check mode nothing is written, validated against disk or backed up; the
    result still says whether a write would happen.
    """
    result = WriteResult()
    check_attributes(module.params, current.path)
    if current.exists and current.data == data:
        return result
    result.changed = True
    if module.check_mode:
        return result

    directory = os.path.dirname(current.path) or "."
    if not os.path.isdir(directory):
        if not create_dirs:
            raise FileError(f"{current.path}: directory {directory} does not exist")
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise FileError(f"{current.path}: cannot create directory {directory}: {exc.strerror}") from exc

    clean_stale_staged(current.path)
    staged = _stage(current, data, directory)
    try:
        if validate:
            validate_staged(module, validate, staged, current.path)
        if backup and current.exists:
            result.backup_file = module.backup_local(current.path)
        module.atomic_move(staged, current.path, unsafe_writes=bool(module.params.get("unsafe_writes", False)))
        try:
            _fsync_dir(directory)
        except OSError as exc:
            raise FileError(
                f"{current.path}: written, but syncing its directory {directory} failed: {exc.strerror}"
            ) from exc
    finally:
        if os.path.exists(staged):
            os.unlink(staged)
    return result


@dataclass
class Change:
    """A file a module wants to hold ``data``; ``before``/``after`` are what its diff shows."""

    current: Current
    data: bytes
    before: str
    after: str


@dataclass
class Written:
    """What ``write_files`` did (or, in check mode, would do)."""

    changed: bool = False  # content or attributes
    changed_paths: list[str] = field(default_factory=list)  # content only, in the order written
    backups: dict[str, str] = field(default_factory=dict)  # path -> backup file
    diffs: list[dict[str, str]] = field(default_factory=list)  # filled only when asked


def write_files(
    module: ModuleLike,
    changes: list[Change],
    *,
    validate: str | None = None,
    backup: bool = False,
    diff: bool = False,
    attributes: list[str] | None = None,
) -> Written:
    """Write every change in order, then apply the file attributes to ``attributes`` (default: every changed file).

    A bad ``mode``/``owner``/``group`` fails before any file is written; when a
    later file fails (its validation, an OS error), the files this call already
    wrote are put back, atomically too, so nothing on the node changes.
    Attributes are applied only to files that exist (in check mode a new file
    does not).
    """
    for change in changes:
        check_attributes(module.params, change.current.path)
    out = Written()
    _write_contents(module, changes, out, validate=validate, backup=backup, diff=diff)
    out.changed = bool(out.changed_paths)
    targets = [c.current.path for c in changes] if attributes is None else [resolve(p) for p in attributes]
    for path in targets:
        if os.path.exists(path) and apply_attributes(module, path, False):
            out.changed = True
    return out


def _write_contents(
    module: ModuleLike, changes: list[Change], out: Written, *, validate: str | None, backup: bool, diff: bool
) -> None:
    done: list[Current] = []
    try:
        for change in changes:
            cur = change.current
            res = write_atomic(module, cur, change.data, validate=validate, backup=backup)
            if not res.changed:
                continue
            done.append(cur)
            out.changed_paths.append(cur.path)
            if res.backup_file:
                out.backups[cur.path] = res.backup_file
            if diff:
                out.diffs.append(text_diff(change.before, change.after, cur.path))
    except FileError:
        if not module.check_mode:
            for cur in reversed(done):
                restore(module, cur)
        raise


def restore(module: ModuleLike, cur: Current) -> None:
    """Put ``cur`` back as it was read: its bytes through the atomic writer, or no file when it did not exist."""
    if cur.exists:
        write_atomic(module, read_current(cur.path, follow=False), cur.data, create_dirs=False)
    elif os.path.exists(cur.path):
        os.unlink(cur.path)


def _stage(current: Current, data: bytes, directory: str) -> str:
    """Write ``data`` to a new file next to the target, flushed to disk; its path."""
    prefix = f".{os.path.basename(current.path)}{STAGED_TAG}{os.getpid()}."
    try:
        fd, staged = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FileError(f"{current.path}: cannot create a temporary file in {directory}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if current.exists:
            # keep the target's mode on the staged copy so validation sees the same file
            os.chmod(staged, stat.S_IMODE(os.stat(current.path).st_mode))
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(staged)
        raise FileError(
            f"{current.path}: cannot write the new content next to it ({exc.strerror}); the file is unchanged"
        ) from exc
    return staged


def apply_attributes(module: ModuleLike, path: str, changed: bool, diff: dict[str, Any] | None = None) -> bool:
    """Apply owner/group/mode/SELinux arguments from the module's params to ``path``."""
    file_args = module.load_file_common_arguments(module.params, path=path)
    return module.set_fs_attributes_if_different(file_args, changed, diff)
