# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Surgical, style-preserving edits of a TOML document.

Why not tomlkit alone: tomlkit 0.13-0.15 puts a key meant for a table written
with dotted keys (``runtimes.runc.runtime_type = ...``) into a new top-level
table of the wrong name, cannot add a table inside an inline table, and writes
new tables without the indentation of the file around them. A containerd
config holds all three forms, so this module edits the text itself:

* the file is parsed by a strict parser (``tomllib``, or ``tomlkit`` where the
  Python is older than 3.11) for its meaning, and scanned by the small scanner
  below for *where* each header and key/value statement sits;
* every edit splices text (replace one value, insert one line or one block,
  delete one statement or section) and leaves every other byte alone:
  comments, blank lines, key order, quoting, CRLF line ends;
* after each edit the text is parsed again, and the caller compares the final
  parse with the expected data, so a wrong or duplicate table is never written.

A table is found in every form it can take: a ``[header]``, an implicit
super-table (only ``[a.b.c]`` exists when ``a.b`` is wanted), dotted keys in a
parent table, or an inline table (rewritten as a whole, as TOML 1.0 allows no
comments inside one).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

try:  # Python 3.11+
    import tomllib as _tomllib

    HAS_TOMLLIB = True
except ImportError:  # pragma: no cover - depends on the Python version
    _tomllib = None  # type: ignore[assignment]
    HAS_TOMLLIB = False

try:
    import tomlkit as _tomlkit

    HAS_TOMLKIT = True
except ImportError:  # pragma: no cover - depends on the node
    _tomlkit = None  # type: ignore[assignment]
    HAS_TOMLKIT = False


Path = tuple[str, ...]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_LINE_COL = re.compile(r"\(at line (\d+), column (\d+)\)")


class TomlError(Exception):
    """Text that is not TOML, or an edit that cannot be made; the message says where."""


def have_parser() -> bool:
    return HAS_TOMLLIB or HAS_TOMLKIT


def parse(text: str, name: str, use_tomlkit: bool = False) -> dict[str, Any]:
    """Parse ``text`` strictly; errors read ``<name>: line L, column C: <reason>``."""
    if HAS_TOMLLIB and not use_tomlkit:
        try:
            return _tomllib.loads(text)
        except _tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            m = _LINE_COL.search(msg)
            reason = _LINE_COL.sub("", msg).strip()
            if m:
                raise TomlError(f"{name}: line {m.group(1)}, column {m.group(2)}: {reason}") from exc
            if "(at end of document)" in reason:
                last = text.split("\n")
                reason = reason.replace("(at end of document)", "").strip()
                raise TomlError(
                    f"{name}: line {len(last)}, column {len(last[-1]) + 1} (end of file): {reason}"
                ) from exc
            raise TomlError(f"{name}: {reason}") from exc
    if HAS_TOMLKIT:
        try:
            return _tomlkit.parse(text).unwrap()
        except Exception as exc:  # tomlkit raises several unrelated classes
            line = getattr(exc, "line", None)
            col = getattr(exc, "col", None)
            reason = re.sub(r"\s*at line \d+ col \d+$", "", str(exc))
            if line is not None:
                raise TomlError(f"{name}: line {line}, column {col}: {reason}") from exc
            raise TomlError(f"{name}: {reason}") from exc
    raise TomlError("no TOML parser: install tomlkit (python3-tomlkit) or use Python 3.11+")


def dotted(path: Path, quote: str = '"') -> str:
    """Render a key path as TOML: bare keys where allowed, quoted otherwise."""
    return ".".join(render_key(part, quote) for part in path)


def render_key(key: str, quote: str = '"') -> str:
    if _BARE_KEY.match(key):
        return key
    if quote == "'" and "'" not in key and not _needs_escape(key):
        return f"'{key}'"
    return _basic_string(key)


def _needs_escape(value: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


def _basic_string(value: str) -> str:
    out = ['"']
    for c in value:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def render_value(value: Any, quote: str = '"') -> str:
    """Render a Python value as a TOML value (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        if quote == "'" and "'" not in value and not _needs_escape(value):
            return f"'{value}'"
        return _basic_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v, quote) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{render_key(str(k), quote)} = {render_value(v, quote)}" for k, v in value.items())
        return "{ " + items + " }"
    raise TomlError(f"value {value!r} of type {type(value).__name__} cannot be written to TOML")


# --------------------------------------------------------------------------- scanner


@dataclass
class Stmt:
    """One header or key/value statement, with character offsets into the text."""

    kind: str  # "table", "aot" or "kv"
    path: Path  # header path, or the full path of a key/value
    table: Path  # the table a key/value sits in (== path for headers)
    start: int  # offset of the first character of the statement's line
    end: int  # offset just after the statement's line end (or end of text)
    indent: str = ""
    key_len: int = 0  # number of parts in the key of a key/value
    val_start: int = 0
    val_end: int = 0
    inline: bool = False  # value is an inline table
    quote: str = '"'


@dataclass
class Scan:
    stmts: list[Stmt] = field(default_factory=list)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        self.i = 0

    def ws(self) -> None:
        while self.i < self.n and self.t[self.i] in " \t":
            self.i += 1

    def to_eol(self) -> None:
        """Skip the rest of the line (comment included) and its newline."""
        while self.i < self.n and self.t[self.i] != "\n":
            self.i += 1
        if self.i < self.n:
            self.i += 1

    def key(self) -> Path:
        parts: list[str] = []
        while True:
            self.ws()
            c = self.t[self.i] if self.i < self.n else ""
            if c == '"':
                j = self.i + 1
                while j < self.n and self.t[j] != '"':
                    j += 2 if self.t[j] == "\\" else 1
                raw = self.t[self.i : j + 1]
                parts.append(str(parse(f"k = {raw}", "key")["k"]))
                self.i = j + 1
            elif c == "'":
                j = self.t.index("'", self.i + 1)
                parts.append(self.t[self.i + 1 : j])
                self.i = j + 1
            else:
                j = self.i
                while j < self.n and (self.t[j].isalnum() or self.t[j] in "_-"):
                    j += 1
                parts.append(self.t[self.i : j])
                self.i = j
            self.ws()
            if self.i < self.n and self.t[self.i] == ".":
                self.i += 1
                continue
            return tuple(parts)

    def value(self) -> None:
        t = self.t
        if t.startswith('"""', self.i):
            j = self.i + 3
            while True:
                if t[j] == "\\":
                    j += 2
                    continue
                if t.startswith('"""', j):
                    j += 3
                    while j < self.n and t[j] == '"':
                        j += 1
                    break
                j += 1
            self.i = j
        elif t.startswith("'''", self.i):
            j = t.index("'''", self.i + 3) + 3
            while j < self.n and t[j] == "'":
                j += 1
            self.i = j
        elif t[self.i] == '"':
            j = self.i + 1
            while t[j] != '"':
                j += 2 if t[j] == "\\" else 1
            self.i = j + 1
        elif t[self.i] == "'":
            self.i = t.index("'", self.i + 1) + 1
        elif t[self.i] in "[{":
            depth = 0
            while True:
                c = t[self.i]
                if c in "[{":
                    depth += 1
                    self.i += 1
                elif c in "]}":
                    depth -= 1
                    self.i += 1
                    if depth == 0:
                        break
                elif c in "\"'":
                    self.value()
                elif c == "#":
                    while t[self.i] != "\n":
                        self.i += 1
                else:
                    self.i += 1
        else:
            while self.i < self.n and t[self.i] not in " \t#\r\n,]}":
                self.i += 1


def scan(text: str) -> Scan:
    """Locate headers and key/value statements of a text that parses as TOML."""
    s = _Scanner(text)
    out = Scan()
    table: Path = ()
    while s.i < s.n:
        line_start = s.i
        s.ws()
        indent = text[line_start : s.i]
        if s.i >= s.n:
            break
        c = text[s.i]
        if c in "#\r\n":
            s.to_eol()
            continue
        if c == "[":
            aot = text.startswith("[[", s.i)
            s.i += 2 if aot else 1
            path = s.key()
            s.i += 2 if aot else 1
            s.to_eol()
            table = path
            out.stmts.append(Stmt("aot" if aot else "table", path, path, line_start, s.i, indent))
            continue
        key = s.key()
        s.ws()
        s.i += 1  # "="
        s.ws()
        val_start = s.i
        inline = text[s.i] == "{"
        quote = text[s.i] if text[s.i] in "\"'" else '"'
        s.value()
        val_end = s.i
        s.to_eol()
        out.stmts.append(
            Stmt(
                "kv",
                table + key,
                table,
                line_start,
                s.i,
                indent,
                key_len=len(key),
                val_start=val_start,
                val_end=val_end,
                inline=inline,
                quote=quote,
            )
        )
    return out


# --------------------------------------------------------------------------- data helpers


def get_path(data: Any, path: Path) -> Any:
    """The value at ``path``, or a KeyError."""
    cur = data
    for part in path:
        if not isinstance(cur, dict):
            raise KeyError(part)
        cur = cur[part]
    return cur


def has_path(data: Any, path: Path) -> bool:
    try:
        get_path(data, path)
    except KeyError:
        return False
    return True


def same(a: Any, b: Any) -> bool:
    """Equality that tells ``True`` from ``1`` and ``1.0`` from ``1``."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(a[i], b[i]) for i in range(len(a)))
    return bool(a == b)


# --------------------------------------------------------------------------- the document


class Document:
    """A TOML text plus the edits that keep its style."""

    def __init__(self, text: str, name: str, indent_style: bool | None = None) -> None:
        self.name = name
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.text = text
        self.data = parse(text, name)
        self._scan = scan(text)
        headers = [st for st in self._scan.stmts if st.kind != "kv"]
        if indent_style is None:
            # containerd's own layout: a header at depth d is indented by 2*(d-1)
            indent_style = all(st.indent == "  " * (len(st.path) - 1) for st in headers)
        self.indented = indent_style
        self.key_offset = self._detect_key_offset(headers)
        self.quote = self._detect_quote()

    # ---- bookkeeping

    def _detect_key_offset(self, headers: list[Stmt]) -> str:
        offsets: dict[str, int] = {}
        for st in self._scan.stmts:
            if st.kind == "kv" and st.table:
                header = self._header(st.table)
                if header is not None and st.indent.startswith(header.indent):
                    off = st.indent[len(header.indent) :]
                    offsets[off] = offsets.get(off, 0) + 1
        if offsets:
            return max(offsets, key=lambda k: offsets[k])
        return "  " if not headers or self.indented else ""

    def _detect_quote(self) -> str:
        single = sum(1 for st in self._scan.stmts if st.kind == "kv" and self.text[st.val_start] == "'")
        double = sum(1 for st in self._scan.stmts if st.kind == "kv" and self.text[st.val_start] == '"')
        return "'" if single > double else '"'

    def _splice(self, start: int, end: int, new: str) -> None:
        text = self.text[:start] + new + self.text[end:]
        try:
            data = parse(text, self.name)
        except TomlError as exc:  # a bug here must never reach the disk
            raise TomlError(f"{self.name}: internal error, an edit produced invalid TOML ({exc})") from exc
        self.text = text
        self.data = data
        self._scan = scan(text)

    @property
    def stmts(self) -> list[Stmt]:
        return self._scan.stmts

    def _kv(self, path: Path) -> Stmt | None:
        for st in self.stmts:
            if st.kind == "kv" and st.path == path:
                return st
        return None

    def _header(self, path: Path) -> Stmt | None:
        for st in self.stmts:
            if st.kind == "table" and st.path == path:
                return st
        return None

    def _inline_owner(self, path: Path) -> Stmt | None:
        """The key/value whose inline-table value holds ``path`` (or is ``path``)."""
        for st in self.stmts:
            if st.kind == "kv" and st.inline and path[: len(st.path)] == st.path:
                return st
        return None

    def _dotted_definers(self, path: Path) -> list[Stmt]:
        """Key/values whose dotted key defines the table ``path`` within a parent table."""
        return [
            st
            for st in self.stmts
            if st.kind == "kv"
            and len(st.table) < len(path)
            and st.path[: len(path)] == path
            and len(st.path) > len(path)
        ]

    def _header_indent(self, path: Path) -> str:
        if self.indented:
            return "  " * (len(path) - 1)
        # elsewhere: as indented as the closest relative's header
        for depth in range(len(path) - 1, 0, -1):
            family = [st for st in self.stmts if st.kind != "kv" and st.path[:depth] == path[:depth]]
            if family:
                return family[-1].indent
        return ""

    def _key_indent(self, path: Path, header_indent: str) -> str:
        return header_indent + self.key_offset

    def _ensure_final_newline(self) -> None:
        if self.text and not self.text.endswith("\n"):
            self._splice(len(self.text), len(self.text), self.nl)

    def _section_end(self, header: Stmt) -> int:
        """Offset just after the last key/value of the section a header opens (or the header)."""
        end = header.end
        idx = self.stmts.index(header)
        for st in self.stmts[idx + 1 :]:
            if st.kind != "kv":
                break
            end = st.end
        return end

    def _attached_start(self, offset: int) -> int:
        """Move ``offset`` (a line start) up over the comment lines directly above it."""
        lines_before = self.text[:offset].split("\n")
        # lines_before[-1] is "" because offset is a line start
        pos = offset
        for line in reversed(lines_before[:-1]):
            if line.strip().startswith("#"):
                pos -= len(line) + 1
            else:
                break
        return pos

    # ---- rendering of new content

    def _block(self, path: Path, subtree: dict[str, Any], header_indent: str | None = None) -> str:
        """``[path]`` with the scalars of ``subtree``, then its sub-tables, each after a blank line.

        A table holding only sub-tables gets no header of its own (it stays an
        implicit super-table), unless it is empty, which only a header can say.
        """
        nl = self.nl
        hind = self._header_indent(path) if header_indent is None else header_indent
        scalars = [(k, v) for k, v in subtree.items() if not isinstance(v, dict)]
        tables = [(k, v) for k, v in subtree.items() if isinstance(v, dict)]
        lines = []
        if scalars or not tables:
            lines.append(f"{hind}[{dotted(path, self.quote)}]{nl}")
            kind = self._key_indent(path, hind)
            for key, value in scalars:
                lines.append(f"{kind}{render_key(key, self.quote)} = {render_value(value, self.quote)}{nl}")
        for i, (key, value) in enumerate(tables):
            if lines or i:
                lines.append(nl)
            child_indent = "  " * len(path) if self.indented else hind
            lines.append(self._block((*path, key), value, child_indent))
        return "".join(lines)

    def _dotted_lines(self, prefix: Path, subtree: dict[str, Any], indent: str) -> str:
        out = []
        for key, value in subtree.items():
            if isinstance(value, dict) and value:
                out.append(self._dotted_lines((*prefix, key), value, indent))
            else:
                out.append(f"{indent}{dotted((*prefix, key), self.quote)} = {render_value(value, self.quote)}{self.nl}")
        return "".join(out)

    # ---- the edits

    def _rewrite_inline(self, owner: Stmt, new_value: Any) -> None:
        self._splice(owner.val_start, owner.val_end, render_value(new_value, self.quote))

    def set_value(self, path: Path, value: Any) -> None:
        """Give the key at ``path`` a (non-table) value, creating what leads to it."""
        owner = self._inline_owner(path[:-1])
        if owner is not None:
            desired = _copy(get_path(self.data, owner.path))
            _assign(desired, path[len(owner.path) :], value)
            self._rewrite_inline(owner, desired)
            return
        st = self._kv(path)
        if st is not None:
            quote = st.quote if isinstance(value, str) else self.quote
            self._splice(st.val_start, st.val_end, render_value(value, quote))
            return
        self._insert_into_table(path[:-1], {path[-1]: value})

    def create_table(self, path: Path, subtree: dict[str, Any]) -> None:
        """Create the (absent) table ``path`` holding ``subtree``."""
        owner = self._inline_owner(path[:-1])
        if owner is not None:
            desired = _copy(get_path(self.data, owner.path))
            _assign(desired, path[len(owner.path) :], subtree)
            self._rewrite_inline(owner, desired)
            return
        self._insert_into_table(path[:-1], {path[-1]: subtree})

    def _insert_into_table(self, table: Path, items: dict[str, Any]) -> None:
        """Add ``items`` (absent keys; dict values are new tables) to the table ``table``."""
        scalars = {k: v for k, v in items.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in items.items() if isinstance(v, dict)}
        header = self._header(table) if table else None
        definers = self._dotted_definers(table) if table else []
        if table and header is None and definers:
            # the table is written with dotted keys inside a parent: continue that way
            last = definers[-1]
            prefix = last.path[len(last.table) : len(table)]
            text = self._dotted_lines(prefix, items, last.indent)
            self._splice(last.end, last.end, text if self.text[last.end - 1 : last.end] == "\n" else self.nl + text)
            return
        if scalars:
            self._insert_scalars(table, header, scalars)
        for key, sub in tables.items():
            self._insert_table_block((*table, key), sub)

    def _insert_scalars(self, table: Path, header: Stmt | None, scalars: dict[str, Any]) -> None:
        if header is None and table:
            # an implicit super-table (or none at all): give it a header before its first sub-table
            children = [st for st in self.stmts if st.kind != "kv" and st.path[: len(table)] == table]
            if children:
                at = self._attached_start(children[0].start)
                block = self._block(table, scalars) + self.nl
                self._splice(at, at, block)
                return
            self._insert_table_block(table, scalars)
            return
        if header is None:  # the root table
            root_kvs = [st for st in self.stmts if st.kind == "kv" and st.table == ()]
            first_header = next((st for st in self.stmts if st.kind != "kv"), None)
            if root_kvs:
                at = root_kvs[-1].end
                indent = root_kvs[-1].indent
            elif first_header is not None:
                at = self._attached_start(first_header.start)
                indent = ""
            else:
                self._ensure_final_newline()
                at = len(self.text)
                indent = ""
            lines = "".join(
                f"{indent}{render_key(k, self.quote)} = {render_value(v, self.quote)}{self.nl}"
                for k, v in scalars.items()
            )
            if root_kvs and not self.text[:at].endswith("\n"):
                lines = self.nl + lines
            elif not root_kvs and first_header is not None:
                lines += self.nl
            self._splice(at, at, lines)
            return
        end = self._section_end(header)
        idx = self.stmts.index(header)
        section_kvs = []
        for st in self.stmts[idx + 1 :]:
            if st.kind != "kv":
                break
            section_kvs.append(st)
        indent = section_kvs[-1].indent if section_kvs else header.indent + self.key_offset
        lines = "".join(
            f"{indent}{render_key(k, self.quote)} = {render_value(v, self.quote)}{self.nl}" for k, v in scalars.items()
        )
        if not self.text[:end].endswith("\n"):
            lines = self.nl + lines
        self._splice(end, end, lines)

    def _insert_table_block(self, path: Path, subtree: dict[str, Any]) -> None:
        """Write a new ``[path]`` block (with its sub-tables) next to its relatives."""
        block = self._block(path, subtree)
        # after the last statement that belongs to the nearest existing ancestor
        anchor = None
        for depth in range(len(path) - 1, 0, -1):
            ancestor = path[:depth]
            family = [st for st in self.stmts if st.path[:depth] == ancestor and st.kind != "kv"]
            if family:
                anchor = self._section_end(family[-1])
                break
        if anchor is None:
            self._ensure_final_newline()
            anchor = len(self.text)
        prefix = "" if anchor == 0 else self.nl
        if anchor and not self.text[:anchor].endswith("\n"):
            prefix = self.nl + prefix
        self._splice(anchor, anchor, prefix + block)

    def delete(self, path: Path) -> bool:
        """Remove the key or table ``path`` in every form; True if something was removed."""
        removed = False
        while has_path(self.data, path):
            owner = self._inline_owner(path)
            if owner is not None and owner.path != path:
                desired = _copy(get_path(self.data, owner.path))
                _unassign(desired, path[len(owner.path) :])
                self._rewrite_inline(owner, desired)
                removed = True
                continue
            target = next(
                (
                    st
                    for st in self.stmts
                    if st.path[: len(path)] == path
                    and (st.kind != "kv" or len(st.table) < len(path) or st.path == path)
                ),
                None,
            )
            if target is None:
                raise TomlError(f"{self.name}: cannot locate {dotted(path)} to remove it")
            if target.kind == "kv":
                self._splice(target.start, target.end, "")
            else:
                start = target.start
                end = self._section_end(target)
                # swallow the blank line that separated the block from what follows
                rest = self.text[end:]
                m = re.match(r"[ \t]*\r?\n", rest)
                if m and (start == 0 or self.text[:start].endswith(("\n\n", "\n\r\n"))):
                    end += m.end()
                self._splice(start, end, "")
            removed = True
        return removed


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _assign(data: dict[str, Any], path: Path, value: Any) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur.setdefault(part, {})
    cur[path[-1]] = value


def _unassign(data: dict[str, Any], path: Path) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur[part]
    del cur[path[-1]]
