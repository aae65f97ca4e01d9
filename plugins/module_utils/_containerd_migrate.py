# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migrate a containerd config file to a newer config version, in its own text.

``containerd config migrate`` re-renders the whole file: every comment, the key order and
the quoting are lost, and the files named by ``imports`` are ignored. This module moves each
statement of the file to its new place instead:

* a table header whose table moves as a whole is renamed where it stands
  (``[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]`` becomes
  ``[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata]``), its keys and
  comments untouched;
* a key/value whose table is split between plugins (the version-2 CRI plugin's own keys,
  its ``containerd`` table; the top-level ``[grpc]``, ``[ttrpc]``, ``[debug]``, ``[metrics]``
  of version 4) is moved, with the comment lines directly above it, into the section of
  its new table: the first section that already has that header, or a new header written
  right after the section it came from;
* every other byte stays where it was.

Where each key goes is data: ``_containerd_schema.MIGRATIONS``, one table per version step,
taken from containerd's own migration code (cited there). The result is parsed again and compared
with the same migration applied to the parsed data; a mismatch is an error, never a write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ._containerd_schema import (
    CRI_V2,
    DEFAULT_GRPC_ADDRESS,
    MIGRATIONS,
    SERVER_TTRPC,
    STAY,
    MigrationStep,
    Split,
)
from ._toml_edit import (
    _DOTTED_KEY,
    BOM,
    Document,
    Path,
    Stmt,
    TomlError,
    _Scanner,
    dotted,
    parse,
    pruned,
    render_value,
    same,
    scan,
)

Step = MigrationStep
STEPS = MIGRATIONS


class MigrationError(Exception):
    """A file that cannot be migrated safely; the message names file, line and key."""


# ---------------------------------------------------------------------------------------------
# path mapping (pure data)


def _split_at(step: Step, path: Path) -> tuple[Path, Split] | None:
    """The deepest split table that is a proper prefix of ``path``."""
    for n in range(len(path) - 1, 0, -1):
        split = step.splits.get(path[:n])
        if split is not None:
            return path[:n], split
    return None


_NO_VALUE = object()


@dataclass(frozen=True)
class Mapped:
    path: Path  # the new path
    unit: int  # length of the moved unit in the OLD path (the key below the split), 0 if unchanged
    new_unit: int  # length of the moved unit in the new path
    wrap: bool = False  # the value becomes a one-element array
    replace: Any = _NO_VALUE  # the value is replaced by this one


def map_path(step: Step, path: Path, name: str = "config", value: Any = _NO_VALUE) -> Mapped:
    """Where ``path`` (a key or table of a file of ``step.source``) lives in ``step.target``.

    ``value``: the key's value, for the keys that move only with a given value (``only_if``).
    """
    found = _split_at(step, path)
    if found is None:
        return Mapped(path, 0, 0)
    root, split = found
    key = path[len(root)]
    for only_key, match, new_value in split.only_if:
        if only_key == key and len(path) == len(root) + 1:
            if value is _NO_VALUE or not same(value, match):
                return Mapped(path, 0, 0)
            return Mapped(split.moves[key], len(path), len(split.moves[key]), replace=new_value)
    dest = split.dest(key)
    if dest is None:
        raise MigrationError(
            f"{name}: {dotted(path)}: config version {step.target} has no place for this key"
            f" ({dotted(root)} keeps only {', '.join(sorted(split.moves))}); remove it or move it first"
        )
    if dest == STAY:
        return Mapped(path, 0, 0)
    rest = path[len(root) + 1 :]
    return Mapped((*dest, *rest), len(root) + 1, len(dest), wrap=key in split.wrap and not rest)


def _renamed(step: Step, path: Path, siblings: Any) -> Path:
    for pattern, new in step.renames:
        if len(pattern) == len(path) and all(p in ("*", q) for p, q in zip(pattern, path)):
            if isinstance(siblings, dict) and new in siblings:
                return path  # containerd keeps the old key (unknown to it) when both are set
            return (*path[:-1], new)
    return path


def _leaves(data: Any, prefix: Path = ()) -> list[tuple[Path, Any]]:
    if isinstance(data, dict):
        if not data and prefix:
            return [(prefix, {})]
        out: list[tuple[Path, Any]] = []
        for key, value in data.items():
            out.extend(_leaves(value, (*prefix, key)))
        return out
    return [(prefix, data)]


def _get(data: Any, path: Path) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def migrate_data(step: Step, data: dict[str, Any], name: str = "config") -> dict[str, Any]:
    """The parsed file as containerd of ``step.target`` should read it after the migration."""
    out: dict[str, Any] = {}
    owner: dict[Path, Path] = {}
    for path, old_value in _leaves(data):
        value = old_value
        mapped = map_path(step, path, name, value)
        new = mapped.path
        if mapped.unit:
            new = _renamed(step, new, _get(data, path[:-1]))
        if mapped.wrap:
            value = [value]
        if mapped.replace is not _NO_VALUE:
            value = mapped.replace
        if new in owner and owner[new] != path:
            raise MigrationError(
                f"{name}: {dotted(path)} and {dotted(owner[new])} both become {dotted(new)} in config version"
                f" {step.target}; keep one of them"
            )
        owner[new] = path
        _put(out, new, value, name, path)
    if "version" in out:
        out["version"] = step.target
    return out


def _put(out: dict[str, Any], path: Path, value: Any, name: str, old: Path) -> None:
    cur = out
    for part in path[:-1]:
        nxt = cur.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise MigrationError(f"{name}: {dotted(old)} would move below the value {dotted(path)}")
        cur = nxt
    if path[-1] in cur and not (cur[path[-1]] == {} or value == {}):
        raise MigrationError(f"{name}: {dotted(old)} would replace {dotted(path)}, which the file also sets")
    if isinstance(value, dict) and isinstance(cur.get(path[-1]), dict):
        cur[path[-1]].update(value)
    else:
        cur[path[-1]] = value


def refuse_removed_runtimes(step: Step, data: dict[str, Any], name: str) -> None:
    """A handler whose shim the target's containerd no longer has is refused, by name."""
    runtimes = _get(data, step.runtimes_table) if step.runtimes_table else None
    if not isinstance(runtimes, dict):
        return
    for handler, table in runtimes.items():
        rtype = table.get("runtime_type") if isinstance(table, dict) else None
        if rtype in step.removed_runtime_types:
            raise MigrationError(
                f"{name}: handler {handler} uses runtime_type {rtype!r}, which containerd 2.0 removed"
                f" (containerd RELEASES.md, deprecated features); config version {step.target} is for containerd"
                f" 2.x, where this handler could never run. Switch it to io.containerd.runc.v2 (same options) or"
                " remove it, then migrate"
            )


# ---------------------------------------------------------------------------------------------
# the text rewrite


@dataclass
class _Unit:
    """A key/value statement with the comment lines directly above it."""

    stmt: Stmt
    start: int  # first comment line above (or the statement's start)
    new_path: Path
    table: Path = ()  # the table it goes to if it leaves its section
    moved_to: Path | None = None  # set when it leaves its section
    wrap: bool = False
    replace: Any = _NO_VALUE


@dataclass
class _Section:
    header: Stmt | None
    start: int  # where the header's comment lines begin (0 for the root)
    end: int = 0  # where the next section's begin
    units: list[_Unit] = field(default_factory=list)
    new_header: Path = ()
    incoming: list[_Unit] = field(default_factory=list)
    blocks: list[tuple[Path, list[_Unit]]] = field(default_factory=list)


@dataclass
class Migration:
    """The migrated text of one file, and what happened to it."""

    text: str
    changed: bool
    source: int
    target: int
    moved: list[tuple[str, str]] = field(default_factory=list)  # (old dotted path, new dotted path)
    notes: list[str] = field(default_factory=list)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _attached_start(text: str, start: int, floor: int) -> int:
    """Move ``start`` up over the comment lines directly above it (not above ``floor``)."""
    pos = start
    while pos > floor:
        prev = text.rfind("\n", 0, pos - 1) + 1
        if prev < floor or not text[prev:pos].strip().startswith("#"):
            break
        pos = prev
    return pos


def _key_span(text: str, st: Stmt) -> tuple[int, int]:
    """Offsets of the key text of a statement (the dotted key of a header between its brackets)."""
    s = _Scanner(text)
    s.i = st.start + len(st.indent)
    if st.kind != "kv":
        s.i += 2 if st.kind == "aot" else 1
    s.ws()
    begin = s.i
    m = _DOTTED_KEY.match(text, begin)
    if m is None:  # pragma: no cover - the text parsed as TOML
        raise TomlError(f"internal error: no key at offset {begin}")
    return begin, m.end()


def _quote_of(text: str) -> str:
    single = len(re.findall(r"\[\s*plugins\s*\.\s*'", text))
    double = len(re.findall(r'\[\s*plugins\s*\.\s*"', text))
    return "'" if single > double else '"'


def migrate_text(
    text: str, name: str, target: int, *, read_as: int | None = None, add_version: bool = True
) -> Migration:
    """Migrate ``text`` (a containerd config of version 2 or 3) step by step to ``target``.

    ``read_as``: the version a file without a ``version`` key is read as (a drop-in is read as
    its main file's version). ``add_version``: give such a file the target version once it
    was migrated, so a newer containerd does not migrate it again.
    """
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    data = parse(body, name)
    if "version" in data:
        source = data["version"]
        if isinstance(source, bool) or not isinstance(source, int) or source not in (1, 2, 3, 4):
            raise MigrationError(f"{name}: unknown config version {source!r}")
    elif not data:
        return Migration(text, False, target, target)
    else:
        source = read_as if read_as is not None else 1
    if source == 1:
        raise MigrationError(
            f"{name}: is a version 1 config (no version key); containerd 2.x drops its plugins.cri section,"
            " so it cannot be migrated key by key here: rewrite it as version 2 (full plugin ids) first"
        )
    if source > target:
        raise MigrationError(f"{name}: is a version {source} config, newer than the target version {target}")
    result = Migration(text, False, source, target)
    version = source
    has_version = "version" in data
    while version < target:
        step = STEPS[version]
        body, moved, notes = _migrate_step(body, name, step, versioned=has_version)
        result.moved.extend(moved)
        result.notes.extend(notes)
        version = step.target
    if not has_version and add_version and bom + body != text:
        # a drop-in without a version key is read as its main file's version; once migrated it says so,
        # or a containerd of the target version would migrate it again as version 1
        body = _set_version(body, target, "\r\n" if "\r\n" in body else "\n")
    result.text = bom + body
    result.changed = result.text != text
    return result


def _migrate_step(text: str, name: str, step: Step, versioned: bool) -> tuple[str, list[tuple[str, str]], list[str]]:
    data = parse(text, name)
    refuse_removed_runtimes(step, data, name)
    expected = migrate_data(step, data, name)
    sections = _sections(text, name, step, data)
    moved = _route(sections)
    new_text = _render(text, sections, step, versioned, _quote_of(text))
    try:
        result = parse(new_text, name)
    except TomlError as exc:
        raise MigrationError(f"{name}: internal error, the migrated text is not TOML ({exc}); nothing written") from exc
    if not same(pruned(result), pruned(expected)) or any(
        _get(result, path) != {} for path, value in _leaves(expected) if value == {}
    ):
        raise MigrationError(
            f"{name}: internal error, the migrated text does not hold the migrated data; nothing written"
        )
    notes = _notes(step, data, name)
    if step.source == 3:
        new_text = _derive_ttrpc(new_text, name, data, notes)
    return new_text, moved, notes


_TTRPC = ("plugins", SERVER_TTRPC)


def _derive_ttrpc(text: str, name: str, data: dict[str, Any], notes: list[str]) -> str:
    """serviceMigrate: without a ttrpc address, version 3 derived it from the gRPC one; version 4 does not."""
    grpc = _get(data, ("grpc", "address"))
    if not isinstance(grpc, str) or not grpc or grpc == DEFAULT_GRPC_ADDRESS or _get(data, ("ttrpc", "address")):
        return text
    doc = Document(text, name)
    if _get(doc.data, (*_TTRPC, "address")):
        return text
    doc.set_value((*_TTRPC, "address"), grpc + ".ttrpc")
    notes.append(
        f"{name}: [grpc] address is {grpc} and no ttrpc address is set: containerd derived {grpc}.ttrpc from it"
        f" before version 4, so the migrated file sets plugins.{dotted((_TTRPC[1], 'address'))} to that"
    )
    return doc.text


def _notes(step: Step, data: dict[str, Any], name: str) -> list[str]:
    out = []
    if (
        step.source == 3
        and _get(data, ("grpc", "tcp_address"))
        and (
            _get(data, ("grpc", "max_recv_message_size")) is not None
            or _get(data, ("grpc", "max_send_message_size")) is not None
        )
    ):
        out.append(
            f"{name}: containerd's own migration to version 4 also gives io.containerd.server.v1.grpc-tcp the"
            " gRPC message sizes of [grpc]; the migrated file sets them for io.containerd.server.v1.grpc only"
        )
    if step.source == 2 and _get(data, ("plugins", CRI_V2, "containerd", "runtimes")) is not None:
        for handler, table in (_get(data, step.runtimes_table) or {}).items():
            if isinstance(table, dict) and table.get("snapshotter"):
                out.append(
                    f"{name}: handler {handler} sets snapshotter; containerd 2.x's own migration means to copy it"
                    " to io.containerd.cri.v1.images runtime_platform but reads the key 'snapshot' (plugins/cri/"
                    "images/plugin.go), so it never does; the migrated file keeps it in the handler's table, as"
                    " containerd's in-memory migration does"
                )
    return out


def _sections(text: str, name: str, step: Step, data: dict[str, Any]) -> list[_Section]:
    stmts = scan(text).stmts
    sections = [_Section(None, 0)]
    prev_end = 0
    for st in stmts:
        start = _attached_start(text, st.start, prev_end)
        if st.kind != "kv":
            sections[-1].end = start
            sec = _Section(st, start)
            if st.kind == "aot" or st.in_aot:
                if _touches(step, st.path):
                    raise MigrationError(
                        f"{name}: line {_line_of(text, st.start)}: [[{dotted(st.path)}]] is an array of tables"
                        " inside a table that moves in the new config version; this module does not move it"
                    )
                sec.new_header = st.path
            else:
                sec.new_header = map_path(step, st.path, name).path
            sections.append(sec)
        else:
            mapped = map_path(step, st.path, name, _get(data, st.path))
            if st.inline and any(root[: len(st.path)] == st.path for root in step.splits):
                raise MigrationError(
                    f"{name}: line {_line_of(text, st.start)}: {dotted(st.path)} is an inline table whose keys move"
                    f" to different places in config version {step.target}; write it as [{dotted(st.path)}] first"
                )
            new = mapped.path
            if mapped.unit:
                new = _renamed(step, new, _get(data, st.path[:-1]))
            base = sections[-1].header.path if sections[-1].header is not None else ()
            table = _target_table(step, st.path, new, base, name)
            sections[-1].units.append(_Unit(st, start, new, table=table, wrap=mapped.wrap, replace=mapped.replace))
        prev_end = st.end
    sections[-1].end = len(text)
    return sections


def _target_table(step: Step, path: Path, new: Path, base: Path, name: str) -> Path:
    """The table a key that leaves its section is written into, the key below it dotted.

    The shallowest split at or below the section's own table decides, so that dotted keys stay
    dotted (``containerd.default_runtime_name`` of the version-2 CRI table goes into the
    version-3 runtime table as ``containerd.default_runtime_name``).
    """
    for n in range(len(base), len(path)):
        if path[:n] not in step.splits:
            continue
        dest = map_path(step, path[: n + 1], name).path
        if new[: len(dest)] == dest:
            return dest[:-1]
    return new[:-1]


def _touches(step: Step, path: Path) -> bool:
    """True when the array of tables at ``path`` moves, or a table that moves lies inside it.

    An array of tables of a plugin that stays where it is (containerd 1.7's own default config has
    ``[[plugins."io.containerd.transfer.v1.local".unpack_config]]``) is kept as it is.
    """
    if any(root[: len(path)] == path for root in step.splits):
        return True
    return any(path[: len(root)] == root for root in step.splits) and map_path(step, path).path != path


def _route(sections: list[_Section]) -> list[tuple[str, str]]:
    """Decide, for every key that leaves its section, which section (or new table) takes it."""
    owners: dict[Path, _Section] = {}
    for sec in sections:
        if sec.header is not None and sec.header.kind == "table" and not sec.header.in_aot:
            owners.setdefault(sec.new_header, sec)
    blocks: dict[Path, list[_Unit]] = {}
    moved: list[tuple[str, str]] = []
    for sec in sections:
        base = sec.new_header if sec.header is not None else ()
        for unit in sec.units:
            st = unit.stmt
            if unit.new_path != st.path:
                moved.append((dotted(st.path), dotted(unit.new_path)))
            if unit.new_path[: len(base)] == base and len(unit.new_path) > len(base):
                continue  # stays in its section (perhaps under a new dotted key)
            table = unit.table
            unit.moved_to = table
            owner = owners.get(table)
            if owner is not None:
                owner.incoming.append(unit)
            elif table in blocks:
                blocks[table].append(unit)  # a new table an earlier section opened
            else:
                blocks[table] = [unit]
                sec.blocks.append((table, blocks[table]))
    return moved


def _render(text: str, sections: list[_Section], step: Step, versioned: bool, quote: str) -> str:
    nl = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    indented = _indented_style(sections)
    offset = _key_offset(sections, indented)
    deferred: dict[int, list[tuple[_Section, Path, list[_Unit]]]] = {}
    for idx, sec in enumerate(sections):
        header_path = sec.new_header
        own = _own_block(sec, step)
        if own is not None:
            header_path = own[0]
        pos = sec.start
        if sec.header is not None:
            out.append(text[pos : sec.header.start])
            out.append(_header_text(text, sec.header, header_path, quote))
            pos = sec.header.end
        for unit in sec.units:
            out.append(text[pos : unit.start])
            pos = unit.stmt.end
            if unit.moved_to is None:
                table = header_path if sec.header is not None else ()
                out.append(_unit_text(text, unit, table, None, quote=quote, nl=nl))
        units_here = list(sec.incoming) + (own[1] if own else [])
        if units_here:
            if not _ends_line(out):
                out.append(nl)
            key_indent = _key_indent(sec, indented)
            for unit in units_here:
                # a key of this very section keeps its indentation; one from elsewhere takes the section's
                ind = None if unit in sec.units else key_indent
                out.append(_unit_text(text, unit, header_path, ind, quote=quote, nl=nl))
        blocks = [(sec, t, u) for t, u in sec.blocks if own is None or t != own[0]]
        if blocks:
            # new tables go after this section's sub-tables, so that a table's family stays together
            deferred.setdefault(_family_end(sections, idx), []).extend(blocks)
        for src, table, units in sorted(deferred.pop(idx, []), key=lambda block: block[1]):
            if not _ends_line(out):
                out.append(nl)
            hind = "  " * (len(table) - 1) if indented else _indent_at_depth(sections, src, len(table))
            out.append(f"{nl}{hind}[{dotted(table, quote)}]{nl}")
            kind = hind + offset
            out.extend(_unit_text(text, unit, table, kind, quote=quote, nl=nl) for unit in units)
        out.append(text[pos : sec.end])
    new = "".join(out)
    if versioned:
        new = _set_version(new, step.target, nl)
    return new


def _indent_at_depth(sections: list[_Section], src: _Section, depth: int) -> str:
    """The indentation of the file's headers of that depth (the source section's if it has none)."""
    for sec in sections:
        if sec.header is not None and len(sec.header.path) == depth:
            return sec.header.indent
    return src.header.indent if src.header is not None else ""


def _own_block(sec: _Section, step: Step) -> tuple[Path, list[_Unit]] | None:
    """Every key of a split table's section left: its header (and comments) names the new main table."""
    if sec.header is None or sec.header.path not in step.splits or sec.incoming or not sec.blocks:
        return None
    if any(u.moved_to is None for u in sec.units):
        return None
    primary = step.splits[sec.header.path].primary
    for table, units in sec.blocks:
        if table == primary:
            return table, units
    return sec.blocks[0]


def _family_end(sections: list[_Section], idx: int) -> int:
    """The last section of the run of sub-tables that follows section ``idx``."""
    head = sections[idx].header
    if head is None:
        return idx
    end = idx
    for j in range(idx + 1, len(sections)):
        other = sections[j].header
        if other is None or len(other.path) <= len(head.path) or other.path[: len(head.path)] != head.path:
            break
        end = j
    return end


def _ends_line(out: list[str]) -> bool:
    for piece in reversed(out):
        if piece:
            return piece.endswith("\n")
    return True


def _indented_style(sections: list[_Section]) -> bool:
    headers = [s.header for s in sections if s.header is not None]
    return (
        bool(headers) and all(h.indent == "  " * (len(h.path) - 1) for h in headers) and any(h.indent for h in headers)
    )


def _key_offset(sections: list[_Section], indented: bool) -> str:
    """The most common indentation of a key under its header (relative to the header)."""
    counts: dict[str, int] = {}
    for sec in sections:
        if sec.header is None:
            continue
        for unit in sec.units:
            ind = unit.stmt.indent
            if unit.stmt.key_len == 1 and ind.startswith(sec.header.indent):
                off = ind[len(sec.header.indent) :]
                counts[off] = counts.get(off, 0) + 1
    if counts:
        return max(counts, key=lambda k: counts[k])
    return "  " if indented else ""


def _key_indent(sec: _Section, indented: bool) -> str:
    staying = [u for u in sec.units if u.moved_to is None]
    if staying:
        return staying[-1].stmt.indent
    if sec.header is not None:
        return sec.header.indent + ("  " if indented else "")
    return ""


def _header_text(text: str, h: Stmt, new_path: Path, quote: str) -> str:
    line = text[h.start : h.end]
    if new_path == h.path:
        return line
    ks, ke = _key_span(text, h)
    return text[h.start : ks] + dotted(new_path, quote) + text[ke : h.end]


def _unit_text(text: str, unit: _Unit, table: Path, indent: str | None, *, quote: str, nl: str) -> str:
    st = unit.stmt
    comments = text[unit.start : st.start]
    rel = unit.new_path[len(table) :]
    old_rel = st.path[len(st.table) :]
    if rel == old_rel and indent is None and not unit.wrap and unit.replace is _NO_VALUE:
        return text[unit.start : st.end]
    ks, ke = _key_span(text, st)
    ind = st.indent if indent is None else indent
    value = text[st.val_start : st.val_end]
    if unit.wrap:
        value = f"[{value}]"
    if unit.replace is not _NO_VALUE:
        value = render_value(unit.replace, quote)
    line = f"{ind}{dotted(rel, quote) if rel != old_rel else text[ks:ke]}{text[ke : st.val_start]}{value}"
    line += text[st.val_end : st.end]
    if not line.endswith("\n"):
        line += nl
    if indent is not None and comments:
        comments = "".join(ind + c.lstrip(" \t") for c in comments.splitlines(keepends=True))
    return comments + line


_VERSION_LINE = re.compile(r"(?m)^([ \t]*version[ \t]*=[ \t]*)(\d+)")


def _set_version(text: str, version: int, nl: str) -> str:
    stmts = scan(text).stmts
    for st in stmts:
        if st.kind == "kv" and st.path == ("version",) and st.table == ():
            return text[: st.val_start] + str(version) + text[st.val_end :]
        if st.kind != "kv":
            break
    first = stmts[0] if stmts else None
    at = _attached_start(text, first.start, 0) if first is not None else len(text)
    return text[:at] + f"version = {version}{nl}" + (nl if first is not None and first.kind != "kv" else "") + text[at:]


# --------------------------------------------------------------------------- judging a migration on a node

# Keys where containerd's own in-memory migration of a version-2 file is known to differ from the file
# migrated in its text, with the containerd versions that differ (lower bound inclusive, upper exclusive).
# containerd issue 11600: `config dump` (and the daemon) did not apply the CRI plugin's migration of
# sandbox_image, so a version-2 file's sandbox image was replaced by the default; fixed by containerd PR 11748
# (containerd 2.1.9, Debian sid's, has the fix: tests/judges/test_containerd_migrate_judge.py).
KNOWN_DUMP_DIFFERENCES: tuple[tuple[str, tuple[int, int, int], tuple[int, int, int], str], ...] = (
    (
        "plugins.io.containerd.cri.v1.images.pinned_images.sandbox",
        (2, 0, 0),
        (2, 1, 9),
        "containerd issue 11600: this containerd's own migration of a version 2 file loses sandbox_image (it runs"
        " the default pause image); the migrated file keeps the image the version 2 file named (fixed in"
        " containerd 2.1.9, PR 11748)",
    ),
)


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def _version_tuple(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def dump_differences(before: str, after: str, containerd: str) -> dict[str, list[str]]:
    """Compare two ``containerd config dump`` outputs of one containerd (``containerd --version`` text).

    ``before``: its dump of the original files (migrated in memory by containerd), ``after``: its dump of the files
    migrated in their text. Returns ``differences`` (``key: before -> after``, each key the dump's dotted path) and
    ``known`` (the differences containerd's own migration is known to cause in this version, named with the issue).
    """
    version = _version_tuple(containerd)
    flat_before = _flat(parse(before, "config dump of the original files"))
    flat_after = _flat(parse(after, "config dump of the migrated files"))
    differences: list[str] = []
    known: list[str] = []
    for key in sorted(set(flat_before) | set(flat_after)):
        was, now = flat_before.get(key, "<absent>"), flat_after.get(key, "<absent>")
        if was == now:
            continue
        line = f"{key}: {was!r} -> {now!r}"
        note = next(
            (n for k, low, high, n in KNOWN_DUMP_DIFFERENCES if k == key and version and low <= version < high), None
        )
        if note:
            known.append(f"{line} ({note})")
        else:
            differences.append(line)
    return {"differences": differences, "known": known}
