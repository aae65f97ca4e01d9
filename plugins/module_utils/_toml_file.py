# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set and remove keys of a TOML file that another tool ships, keeping everything else.

The logic of the ``toml_file`` module: Kata Containers' ``configuration-*.toml``,
a ``runsc.toml`` an operator already has, any TOML file whose owner is not this
collection. Keys are given as TOML dotted keys (``hypervisor.qemu.image``) or as
lists of key names; a value that is a mapping replaces the whole table there.

Edits go through :mod:`_toml_edit` (splices of the text: comments, blank lines,
order and quoting of the rest stay byte for byte), the result is parsed again
and must hold exactly the data asked for, and the file is written through
:mod:`_files` (staged next to the target, validated, atomically moved). When
the file already holds the wanted data its text is kept as it is.

Nothing here imports Ansible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _files
from ._toml_edit import (
    Document,
    DottedKeyError,
    Path,
    dotted,
    dotted_key,
    get_path,
    has_path,
    same,
)


class TomlFileError(Exception):
    """Bad input for an edit; the message names the option and the key."""


def key_path(entry: Any, option: str) -> Path:
    """A key path from a TOML dotted key (``a."b.c".d``) or a list of key names."""
    if isinstance(entry, str):
        try:
            return dotted_key(
                entry, 'quote a key that holds dots or spaces: hypervisor."my.key", or give the key as a list of names'
            )
        except DottedKeyError as exc:
            raise TomlFileError(f"{option}: {exc}") from exc
    if isinstance(entry, (list, tuple)) and entry and all(isinstance(x, str) for x in entry):
        return tuple(entry)
    raise TomlFileError(f"{option}: each key must be a TOML dotted key or a non-empty list of key names, got {entry!r}")


def check_value(value: Any, where: str) -> None:
    """Refuse what TOML cannot hold (null, keys that are not strings), naming the key."""
    if value is None:
        raise TomlFileError(f"set: {where} is null; TOML has no null (use remove to delete a key)")
    if isinstance(value, dict):
        for key, sub in value.items():
            if not isinstance(key, str):
                raise TomlFileError(f"set: {where}: key {key!r} is not a string")
            check_value(sub, f"{where}.{dotted((key,))}")
    elif isinstance(value, (list, tuple)):
        for n, sub in enumerate(value):
            check_value(sub, f"{where}[{n}]")


def settings(raw: dict[str, Any] | None) -> list[tuple[Path, Any]]:
    """The ``set`` option as (key path, value) pairs; two spellings of one key are an error."""
    out: list[tuple[Path, Any]] = []
    seen: dict[Path, str] = {}
    for entry, value in (raw or {}).items():
        path = key_path(entry, "set")
        if path in seen:
            raise TomlFileError(f"set: {entry!r} and {seen[path]!r} name the same key {dotted(path)}")
        seen[path] = entry
        check_value(value, dotted(path))
        out.append((path, value))
    return out


def _overlap(removes: list[Path], sets: list[tuple[Path, Any]]) -> None:
    for rem in removes:
        for path, _value in sets:
            if path[: len(rem)] == rem or rem[: len(path)] == path:
                raise TomlFileError(
                    f"remove: {dotted(rem)} and set: {dotted(path)} overlap; set a table to replace it as a whole"
                )


@dataclass
class Edit:
    text: str
    before: dict[str, Any]
    after: dict[str, Any]
    changed_keys: list[str] = field(default_factory=list)


def edit_text(text: str, name: str, sets: list[tuple[Path, Any]], removes: list[Path]) -> Edit:
    """Apply ``removes`` then ``sets`` to ``text``; the text is unchanged when its data already matches.

    Errors name the file (``name``), the line of a parse error and the key of an edit.
    """
    _overlap(removes, sets)
    doc = Document(text, name)
    before = doc.data
    changed: list[str] = []
    for path in removes:
        if not path:
            raise TomlFileError("remove: an empty key path would remove the whole file")
        if doc.delete(path):
            changed.append(dotted(path))
    for path, value in sets:
        if has_path(doc.data, path) and same(get_path(doc.data, path), _plain(value)):
            continue
        doc.set_value(path, _plain(value))
        changed.append(dotted(path))
    if not changed:
        return Edit(text, before, before)
    return Edit(doc.text, before, doc.verify(), changed)


def _plain(value: Any) -> Any:
    """Tuples as lists, so that a value compares equal to what a parser reads back."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- the module run


@dataclass
class Outcome:
    changed: bool = False
    path: str = ""
    changed_keys: list[str] = field(default_factory=list)
    backup_file: str | None = None
    diff: dict[str, str] | None = None

    def as_result(self, with_diff: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "changed": self.changed,
            "path": self.path,
            "changed_keys": self.changed_keys,
            "backup_file": self.backup_file,
        }
        if with_diff and self.diff is not None:
            out["diff"] = self.diff
        return out


def _starting_text(params: dict[str, Any], cur: _files.Current) -> tuple[str, str]:
    """The text the edits start from, and the name errors give it."""
    src = params.get("src")
    if src:
        base = _files.read_current(src)
        if not base.exists:
            raise TomlFileError(f"{base.path}: src does not exist")
        return _files.decode(base.data, base.path), base.path
    if not cur.exists and not params.get("create"):
        raise TomlFileError(f"{cur.path}: does not exist (set create: true to start an empty file)")
    return _files.decode(cur.data, cur.path), cur.path


def run(module: _files.ModuleLike, diff_mode: bool) -> Outcome:
    """One module call: read, edit, verify, write (atomically, after ``validate``), apply attributes."""
    params = module.params
    sets = settings(params.get("set"))
    removes = [key_path(entry, "remove") for entry in params.get("remove") or []]
    cur = _files.read_current(params["path"])
    text, name = _starting_text(params, cur)
    edit = edit_text(text, name, sets, removes)
    outcome = Outcome(path=cur.path, changed_keys=edit.changed_keys)
    before = _files.decode(cur.data, cur.path) if cur.exists else ""
    change = _files.Change(current=cur, data=edit.text.encode("utf-8"), before=before, after=edit.text)
    written = _files.write_files(
        module, [change], validate=params.get("validate") or None, backup=params["backup"], diff=diff_mode
    )
    outcome.changed = written.changed
    outcome.backup_file = written.backups.get(cur.path)
    if written.diffs:
        outcome.diff = written.diffs[0]
    if not written.changed_paths:
        outcome.changed_keys = []  # src given: the edits were needed on src, but path already holds the result
    return outcome
