# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Surgical, style-preserving edits of a TOML document.

Why not tomlkit alone: tomlkit 0.13-0.15 puts a key meant for a table written
with dotted keys (``runtimes.runc.runtime_type = ...``) into a new top-level
table of the wrong name, cannot add a table inside an inline table, and writes
new tables without the indentation of the file around them. A containerd
config holds all three forms, so this module edits the text itself:

* the file is parsed by a strict parser (``tomllib``; ``tomli`` or ``tomlkit``
  where the Python is older than 3.11) for its meaning, and scanned by the
  small scanner below for *where* each header and key/value statement sits;
* every edit splices text (replace one value, insert one line or one block,
  delete the statements and sections of one key) and leaves every other byte
  alone: comments, blank lines, key order, quoting, CRLF line ends, a UTF-8 BOM;
* ``Document.data`` follows each edit in memory; the caller parses the final
  text once and compares it with the expected data (``verify``), so a wrong or
  duplicate table is never written.

A table is found in every form it can take: a ``[header]``, an implicit
super-table (only ``[a.b.c]`` exists when ``a.b`` is wanted), dotted keys in a
parent table, or an inline table (rewritten as a whole, as TOML 1.0 allows no
comments inside one; the values an edit does not touch keep their text).

Cost: one parse and one scan when the document is read, then one splice (a
single rebuild of the text) and at most one rescan per edit, and one parse to
verify. Every lookup goes through dictionaries built by the scan, so a merge
of a fixed fragment is linear in the size of the file (``make bench`` shows it).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

try:  # Python 3.11+
    import tomllib as _tomllib

    HAS_TOMLLIB = True
except ImportError:  # pragma: no cover - depends on the Python version
    try:  # tomli is tomllib's origin and has its API (python3-tomli)
        import tomli as _tomllib  # type: ignore[no-redef]

        HAS_TOMLLIB = True
    except ImportError:
        _tomllib = None  # type: ignore[assignment]
        HAS_TOMLLIB = False

try:
    import tomlkit as _tomlkit

    HAS_TOMLKIT = True
except ImportError:  # pragma: no cover - depends on the node
    _tomlkit = None  # type: ignore[assignment]
    HAS_TOMLKIT = False

Path = tuple[str, ...]  # evaluated at run time: fine from Python 3.9 (PEP 585)

BOM = "\ufeff"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LINE_COL = re.compile(r"\(at line (\d+), column (\d+)\)")
_MISSING = object()  # "no value": removal in an inline table, a key the old inline table lacked
# Older tomlkit releases misread valid files (0.11.4, EPEL 9's python3-tomlkit, returns wrong data
# for a table defined out of order; 0.6.0, Debian 11's, has no unwrap()). Measured with the unit
# tests under Python 3.9 (make units-floor): 0.11.8, 0.12.5, 0.13.3 and 0.15.2 read every fixture
# exactly, so an older tomlkit is refused rather than trusted.
TOMLKIT_MIN = (0, 11, 8)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:3]:
        digits = re.match(r"\d+", part)
        parts.append(int(digits.group(0)) if digits else 0)
    return tuple(parts)


def tomlkit_usable(version: str | None = None) -> bool:
    """Whether the installed (or the given) tomlkit release reads TOML exactly enough to be trusted."""
    if version is None:
        version = getattr(_tomlkit, "__version__", "0") if HAS_TOMLKIT else "0"
    return _version_tuple(version) >= TOMLKIT_MIN


class TomlError(Exception):
    """Text that is not TOML, or an edit that cannot be made; the message says where."""


def have_parser() -> bool:
    return HAS_TOMLLIB or HAS_TOMLKIT


class DottedKeyError(ValueError):
    """Text that is not exactly one TOML dotted key; ``syntax`` is false when it parsed as more.

    A syntax error carries the caller's ``hint`` (how to quote a key in that caller's option).
    """

    def __init__(self, text: str, syntax: bool, hint: str = "") -> None:
        extra = f" ({hint})" if syntax and hint else ""
        super().__init__(f"{text!r} is not {'a' if syntax else 'one'} TOML dotted key{extra}")
        self.syntax = syntax


def dotted_key(text: str, hint: str = "") -> Path:
    """The key path of a TOML dotted key such as ``plugins."io.containerd.grpc.v1.cri".containerd``.

    TOML's own parser reads it (as the key of a dummy assignment), so quoting and escapes follow
    the TOML spec exactly. ``hint`` goes into the message of a syntax error.
    """
    try:
        data = parse(f"{text} = 0\n", "key")
    except TomlError as exc:
        raise DottedKeyError(text, syntax=True, hint=hint) from exc
    path: list[str] = []
    cur: Any = data
    while isinstance(cur, dict) and len(cur) == 1:
        key = next(iter(cur))
        path.append(key)
        cur = cur[key]
    if cur != 0 or isinstance(cur, bool):
        raise DottedKeyError(text, syntax=False)
    return tuple(path)


def parse(text: str, name: str, use_tomlkit: bool = False) -> dict[str, Any]:
    """Parse ``text`` strictly; errors read ``<name>: line L, column C: <reason>``.

    A leading UTF-8 byte order mark is allowed (containerd's Go TOML parsers skip it).
    """
    if text.startswith(BOM):
        text = text[1:]
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
        if not tomlkit_usable():
            raise TomlError(
                f"{name}: cannot read TOML safely: this node has no tomllib (Python < 3.11) and no tomli, and its"
                f" tomlkit {getattr(_tomlkit, '__version__', '?')} is older than"
                f" {'.'.join(str(x) for x in TOMLKIT_MIN)}, which misreads valid files. Install python3-tomli"
                " (or a newer tomlkit)"
            )
        try:
            return _tomlkit.parse(text).unwrap()
        except Exception as exc:  # tomlkit raises several unrelated classes
            line = getattr(exc, "line", None)
            col = getattr(exc, "col", None)
            reason = re.sub(r"\s*at line \d+ col \d+$", "", str(exc))
            if line is not None:
                raise TomlError(f"{name}: line {line}, column {col}: {reason}") from exc
            raise TomlError(f"{name}: {reason}") from exc
    raise TomlError("no TOML parser: install python3-tomli or python3-tomlkit, or use Python 3.11+")


# --------------------------------------------------------------------------- rendering


def dotted(path: Path, quote: str = '"') -> str:
    """Render a key path as TOML: bare keys where allowed, quoted otherwise."""
    return ".".join(render_key(part, quote) for part in path)


def render_key(key: str, quote: str = '"') -> str:
    if _BARE_KEY.fullmatch(key):  # fullmatch: "kata\n" is no bare key (re's $ matches before a final \n)
        return key
    if quote == "'" and "'" not in key and not _needs_escape(key):
        return f"'{key}'"
    return _basic_string(key)


def _needs_escape(value: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def _basic_string(value: str) -> str:
    out = ['"']
    for c in value:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _render_datetime(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        offset = value.utcoffset()
        text = value.replace(tzinfo=None).isoformat()
        if offset is None:
            return text
        if not offset:
            return text + "Z"
        sign = "-" if offset < _dt.timedelta(0) else "+"
        minutes = int(abs(offset).total_seconds()) // 60
        if abs(offset).total_seconds() % 60:
            raise TomlError(f"value {value!r}: TOML offsets are whole minutes")
        return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, _dt.time) and value.utcoffset() is not None:
        raise TomlError(f"value {value!r}: TOML has no time of day with a UTC offset")
    return str(value.isoformat())


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
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return _render_datetime(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v, quote) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(f"{render_key(str(k), quote)} = {render_value(v, quote)}" for k, v in value.items())
        return "{ " + items + " }"
    raise TomlError(f"value {value!r} of type {type(value).__name__} cannot be written to TOML")


def _is_aot_value(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


# --------------------------------------------------------------------------- scanner


@dataclass(eq=False)
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
    # headers only: the end of the last key/value of the section (or of the header line)
    section_end: int = 0
    last_kv: Stmt | None = None
    in_aot: bool = False  # a statement inside an array of tables (not addressable by a key path)


@dataclass
class Scan:
    """The statements of a text, and the indexes every lookup of an edit uses."""

    stmts: list[Stmt] = field(default_factory=list)
    kvs: dict[Path, Stmt] = field(default_factory=dict)  # full path -> key/value (outside arrays of tables)
    tables: dict[Path, Stmt] = field(default_factory=dict)  # [path] -> header
    aots: dict[Path, list[Stmt]] = field(default_factory=dict)  # [[path]] -> headers
    under: dict[Path, list[Stmt]] = field(default_factory=dict)  # prefix -> headers at or below it, in order
    definers: dict[Path, list[Stmt]] = field(default_factory=dict)  # table -> dotted key/values defining it
    root_kvs: list[Stmt] = field(default_factory=list)
    first_header: Stmt | None = None


_WS = re.compile(r"[ \t]*")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\r\n]|\\.)*"')
_LITERAL = re.compile(r"'[^'\r\n]*'")
_ML_BASIC = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*""""{0,2}')
_ML_LITERAL = re.compile(r"'''(?:[^']|'(?!''))*''''{0,2}")
# a date-time may be written with a space for the "T" (RFC 3339 allows it, so does TOML)
_BARE_VALUE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}[^ \t#\r\n,\]}]*|[^ \t#\r\n,\]}]+")
_SKIP_IN_BRACKETS = re.compile(r"[^\"'#\[\]{}]+")
_KEY_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*')"""
_KEY_PARTS = re.compile(_KEY_PART)
_DOTTED_KEY = re.compile(rf"{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*")


def _key_part(raw: str) -> str:
    if raw[0] == '"':
        return _KEY_ESCAPE.sub(_unescape, raw[1:-1])
    if raw[0] == "'":
        return raw[1:-1]
    return raw


def _unescape(match: re.Match[str]) -> str:
    if match.group(1) or match.group(2):
        return chr(int(match.group(1) or match.group(2), 16))
    return _SIMPLE_ESCAPES[match.group(3)]


class _Scanner:
    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        self.i = 0
        self.keys: dict[str, Path] = {}  # raw key text -> parts: headers repeat their prefixes

    def ws(self) -> None:
        self.i = _WS.match(self.t, self.i).end()  # type: ignore[union-attr]

    def to_eol(self) -> None:
        """Skip the rest of the line (comment included) and its newline."""
        j = self.t.find("\n", self.i)
        self.i = self.n if j < 0 else j + 1

    def key(self) -> Path:
        """A (dotted) key at the current offset, and the whitespace after it."""
        self.ws()
        m = _DOTTED_KEY.match(self.t, self.i)
        if m is None:  # pragma: no cover - the text parsed as TOML
            raise TomlError(f"internal error: no key at offset {self.i}")
        raw = m.group()
        parts = self.keys.get(raw)
        if parts is None:
            parts = tuple(_key_part(part) for part in _KEY_PARTS.findall(raw))
            self.keys[raw] = parts
        self.i = m.end()
        self.ws()
        return parts

    def string(self) -> None:
        t, i = self.t, self.i
        for rx in (_ML_BASIC, _ML_LITERAL, _BASIC, _LITERAL):
            m = rx.match(t, i)
            if m:
                self.i = m.end()
                return
        raise AssertionError(f"no string at offset {i}")  # pragma: no cover - the text parsed as TOML

    def value(self) -> None:
        t = self.t
        c = t[self.i]
        if c in "\"'":
            self.string()
        elif c in "[{":
            depth = 0
            while True:
                m = _SKIP_IN_BRACKETS.match(t, self.i)
                if m:
                    self.i = m.end()
                c = t[self.i]
                if c in "[{":
                    depth += 1
                    self.i += 1
                elif c in "]}":
                    depth -= 1
                    self.i += 1
                    if depth == 0:
                        return
                elif c == "#":
                    j = t.find("\n", self.i)
                    self.i = j if j >= 0 else self.n
                else:
                    self.string()
        else:
            self.i = _BARE_VALUE.match(t, self.i).end()  # type: ignore[union-attr]


def scan(text: str) -> Scan:
    """Locate headers and key/value statements of a text that parses as TOML (no BOM)."""
    s = _Scanner(text)
    out = Scan()
    table: Path = ()
    header: Stmt | None = None
    aot_paths: set[Path] = set()
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
            header = Stmt("aot" if aot else "table", path, path, line_start, s.i, indent, section_end=s.i)
            if aot:
                aot_paths.add(path)
            header.in_aot = any(path[:j] in aot_paths for j in range(1, len(path) + (0 if aot else 1)))
            _index_header(out, header)
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
        st = Stmt(
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
        _index_kv(out, st, header)
    return out


def _index_header(out: Scan, st: Stmt) -> None:
    out.stmts.append(st)
    if out.first_header is None:
        out.first_header = st
    if not st.in_aot:
        if st.kind == "table":
            out.tables[st.path] = st
        else:
            out.aots.setdefault(st.path, []).append(st)
    for j in range(1, len(st.path) + 1):
        out.under.setdefault(st.path[:j], []).append(st)


def _index_kv(out: Scan, st: Stmt, header: Stmt | None) -> None:
    out.stmts.append(st)
    if header is None:
        out.root_kvs.append(st)
    else:
        header.section_end = st.end
        header.last_kv = st
        st.in_aot = header.in_aot or header.kind == "aot"
    if st.in_aot:
        return
    out.kvs.setdefault(st.path, st)
    for j in range(len(st.table) + 1, len(st.path)):
        out.definers.setdefault(st.path[:j], []).append(st)


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
    """Equality that tells ``True`` from ``1``, ``1.0`` from ``1``, ``Z`` from ``+01:00``; nan is nan."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(a[i], b[i]) for i in range(len(a)))
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (_dt.datetime, _dt.time)):
        return bool(a == b) and a.utcoffset() == b.utcoffset()
    return bool(a == b)


def pruned(value: Any) -> Any:
    """``value`` without empty tables (a table that only an edit's removal emptied may vanish)."""
    if isinstance(value, dict):
        out = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


# --------------------------------------------------------------------------- the document


class Document:
    """A TOML text plus the edits that keep its style.

    ``scans`` and ``splices`` count the full scans and the text rebuilds, so a
    test can check that an edit costs a bounded number of passes over the text.
    """

    def __init__(self, text: str, name: str, indent_style: bool | None = None) -> None:
        self.name = name
        self.bom = BOM if text.startswith(BOM) else ""
        self._t = text[len(self.bom) :]
        self.nl = "\r\n" if "\r\n" in self._t else "\n"
        self.data = parse(self._t, name)
        self.scans = 0
        self.splices = 0
        # the scan and the style waits for the first edit: a merge that changes nothing costs one parse
        self._scan = Scan()
        self._dirty = True
        self._indent_style = indent_style
        self._style: tuple[bool, str, str] | None = None

    @property
    def text(self) -> str:
        return self.bom + self._t

    def verify(self) -> dict[str, Any]:
        """Parse the edited text; it must hold ``data`` (tables only a removal emptied may vanish)."""
        try:
            result = parse(self._t, self.name)
        except TomlError as exc:  # a bug here must never reach the disk
            raise TomlError(f"{self.name}: internal error, an edit produced invalid TOML ({exc})") from exc
        if not same(pruned(result), pruned(self.data)):
            raise TomlError(f"{self.name}: internal error, the edited text does not hold the edited data")
        return result

    # ---- bookkeeping

    def _rescan(self) -> Scan:
        self.scans += 1
        self._dirty = False
        return scan(self._t)

    @property
    def idx(self) -> Scan:
        if self._dirty:
            self._scan = self._rescan()
        return self._scan

    @property
    def stmts(self) -> list[Stmt]:
        return self.idx.stmts

    def _detect_style(self) -> tuple[bool, str, str]:
        """Header indentation, key offset under a header and quote of the text as first read."""
        if self._style is not None:
            return self._style
        stmts = self.idx.stmts
        headers = [st for st in stmts if st.kind != "kv"]
        indented = self._indent_style
        if indented is None:
            # containerd's own layout: a header at depth d is indented by 2*(d-1)
            indented = all(st.indent == "  " * (len(st.path) - 1) for st in headers)
        offsets: dict[str, int] = {}
        header: Stmt | None = None
        single = double = 0
        for st in stmts:
            if st.kind != "kv":
                header = st
                continue
            first = self._t[st.val_start]
            single += first == "'"
            double += first == '"'
            if header is not None and st.table == header.path and st.indent.startswith(header.indent):
                off = st.indent[len(header.indent) :]
                offsets[off] = offsets.get(off, 0) + 1
        key_offset = "  " if not headers or indented else ""
        if offsets:  # the most common offset of a key under its header
            key_offset = max(offsets, key=lambda k: offsets[k])
        self._style = (indented, key_offset, "'" if single > double else '"')
        return self._style

    @property
    def indented(self) -> bool:
        return self._detect_style()[0]

    @property
    def key_offset(self) -> str:
        return self._detect_style()[1]

    @property
    def quote(self) -> str:
        return self._detect_style()[2]

    def _edit(self, ranges: list[tuple[int, int, str]]) -> None:
        """Replace each ``(start, end)`` of the text by its string, in one rebuild."""
        if not ranges:
            return
        pieces = []
        pos = 0
        for start, end, new in sorted(ranges, key=lambda r: (r[0], r[1])):
            if start < pos:
                raise TomlError(f"{self.name}: internal error, overlapping edits")  # pragma: no cover
            pieces.append(self._t[pos:start])
            pieces.append(new)
            pos = end
        pieces.append(self._t[pos:])
        self._t = "".join(pieces)
        self.splices += 1
        self._dirty = True

    def _insert(self, at: int, new: str) -> None:
        if at and self._t[at - 1] != "\n":
            new = self.nl + new
        self._edit([(at, at, new)])

    def _inline_owner(self, path: Path) -> Stmt | None:
        """The key/value whose inline-table value holds ``path`` (or is ``path``)."""
        kvs = self.idx.kvs
        for j in range(1, len(path) + 1):
            st = kvs.get(path[:j])
            if st is not None and st.inline:
                return st
        return None

    def _header_indent(self, path: Path) -> str:
        if self.indented:
            return "  " * (len(path) - 1)
        # elsewhere: as indented as the closest relative's header
        for depth in range(len(path) - 1, 0, -1):
            family = self.idx.under.get(path[:depth])
            if family:
                return family[-1].indent
        return ""

    def _attached_start(self, offset: int) -> int:
        """Move ``offset`` (a line start) up over the comment lines directly above it."""
        pos = offset
        while pos > 0:
            prev = self._t.rfind("\n", 0, pos - 1) + 1
            if not self._t[prev:pos].strip().startswith("#"):
                break
            pos = prev
        return pos

    def _check_addressable(self, path: Path) -> None:
        """A key path must run through tables, never through a value or an array of tables."""
        cur: Any = self.data
        for j, part in enumerate(path[:-1]):
            if not isinstance(cur, dict) or part not in cur:
                return
            cur = cur[part]
            if not isinstance(cur, dict):
                what = "an array of tables" if _is_aot_value(cur) else "a value"
                raise TomlError(
                    f"{self.name}: cannot edit {dotted(path)}: {dotted(path[: j + 1])} is {what}, not a table"
                )

    # ---- rendering of new content

    def _kv_line(self, indent: str, key: str, value: Any) -> str:
        return f"{indent}{render_key(key, self.quote)} = {render_value(value, self.quote)}{self.nl}"

    def _block(self, path: Path, subtree: dict[str, Any], header_indent: str | None = None) -> str:
        """``[path]`` with the values of ``subtree``, then its sub-tables, each after a blank line.

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
            kind = hind + self.key_offset
            lines.extend(self._kv_line(kind, key, value) for key, value in scalars)
        for i, (key, value) in enumerate(tables):
            if lines or i:
                lines.append(nl)
            child_indent = "  " * len(path) if self.indented else hind
            lines.append(self._block((*path, key), value, child_indent))
        return "".join(lines)

    def _aot_blocks(self, path: Path, items: list[dict[str, Any]], hind: str) -> str:
        """``[[path]]`` once per element, each with its values and then its sub-tables."""
        out = []
        child_indent = "  " * len(path) if self.indented else hind
        for n, item in enumerate(items):
            if n:
                out.append(self.nl)
            out.append(f"{hind}[[{dotted(path, self.quote)}]]{self.nl}")
            out.extend(self._kv_line(hind + self.key_offset, k, v) for k, v in item.items() if not isinstance(v, dict))
            for key, value in item.items():
                if isinstance(value, dict):
                    out.append(self.nl + self._block((*path, key), value, child_indent))
        return "".join(out)

    def _dotted_lines(self, prefix: Path, subtree: dict[str, Any], indent: str) -> str:
        out = []
        for key, value in subtree.items():
            if isinstance(value, dict) and value:
                out.append(self._dotted_lines((*prefix, key), value, indent))
            else:
                out.append(f"{indent}{dotted((*prefix, key), self.quote)} = {render_value(value, self.quote)}{self.nl}")
        return "".join(out)

    # ---- the edits

    def set_value(self, path: Path, value: Any) -> None:
        """Give the key at ``path`` a value, creating what leads to it.

        A table there is replaced (removed, then written anew); an array of
        tables given an array of tables is rewritten as ``[[path]]`` blocks
        where it stood.
        """
        self._check_addressable(path)
        if isinstance(value, dict):
            self.delete(path)
            self.create_table(path, value)
            return
        value = _copy(value)
        current = get_path(self.data, path) if has_path(self.data, path) else None
        owner = self._inline_owner(path[:-1])
        if owner is not None:
            self._rewrite_inline(owner, path, value)
        elif path in self.idx.kvs:
            st = self.idx.kvs[path]
            quote = st.quote if isinstance(value, str) else self.quote
            self._edit([(st.val_start, st.val_end, render_value(value, quote))])
        elif isinstance(current, dict) or path in self.idx.aots:
            if path in self.idx.aots and _is_aot_value(value):
                self._replace_aot(path, value)
            else:
                self.delete(path)
                self._insert_into_table(path[:-1], {path[-1]: value})
        else:
            self._insert_into_table(path[:-1], {path[-1]: value})
        _assign(self.data, path, value)

    def create_table(self, path: Path, subtree: dict[str, Any]) -> None:
        """Create the (absent) table ``path`` holding ``subtree``."""
        self._check_addressable(path)
        subtree = _copy(subtree)
        owner = self._inline_owner(path[:-1])
        if owner is not None:
            self._rewrite_inline(owner, path, subtree)
        else:
            self._insert_into_table(path[:-1], {path[-1]: subtree})
        _assign(self.data, path, subtree)

    def delete(self, path: Path) -> bool:
        """Remove the key or table ``path`` in every form; True if something was removed."""
        self._check_addressable(path)
        if not has_path(self.data, path):
            return False
        owner = self._inline_owner(path)
        if owner is not None and owner.path != path:
            self._rewrite_inline(owner, path, _MISSING)
        else:
            self._edit(self._removal_ranges(path))
        _unassign(self.data, path)
        return True

    def _removal_ranges(self, path: Path) -> list[tuple[int, int, str]]:
        idx = self.idx
        ranges = []
        kv = idx.kvs.get(path)
        for st in ([kv] if kv is not None else []) + idx.definers.get(path, []):
            ranges.append((st.start, st.end, ""))
        for head in idx.under.get(path, []):
            start, end = head.start, head.section_end
            # swallow the blank line that separated the block from what follows
            m = re.match(r"[ \t]*\r?\n", self._t[end : end + 200])
            if m and (start == 0 or self._t.endswith(("\n\n", "\n\r\n"), 0, start)):
                end += m.end()
            ranges.append((start, end, ""))
        return ranges

    def _replace_aot(self, path: Path, value: list[dict[str, Any]]) -> None:
        """Write the new elements where the first old one stood; remove the old ones."""
        first = self.idx.aots[path][0]
        block = self._aot_blocks(path, value, first.indent)
        ranges = []
        for start, end, _new in self._removal_ranges(path):
            if start == first.start:
                # the removal swallowed the blank line after the block: the new block keeps it
                swallowed = end > first.section_end and end < len(self._t)
                ranges.append((start, end, block + (self.nl if swallowed else "")))
            else:
                ranges.append((start, end, ""))
        self._edit(ranges)

    def _rewrite_inline(self, owner: Stmt, path: Path, value: Any) -> None:
        """Rewrite the inline table of ``owner`` with ``path`` set (or removed when ``value`` is _MISSING)."""
        old = get_path(self.data, owner.path)
        desired = _copy(old)
        rel = path[len(owner.path) :]
        if value is _MISSING:
            _unassign(desired, rel)
        else:
            _assign(desired, rel, value)
        raws = _inline_raws(self._t, owner.val_start)
        text = _render_keeping(desired, old, raws, (), self.quote)
        self._edit([(owner.val_start, owner.val_end, text)])

    def _insert_into_table(self, table: Path, items: dict[str, Any]) -> None:
        """Add ``items`` (absent keys; dict values are new tables) to the table ``table``."""
        idx = self.idx
        if table in idx.aots:
            raise TomlError(f"{self.name}: {dotted(table)} is an array of tables, not a table")
        scalars = {k: v for k, v in items.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in items.items() if isinstance(v, dict)}
        header = idx.tables.get(table) if table else None
        definers = idx.definers.get(table, []) if table else []
        if table and header is None and definers:
            # the table is written with dotted keys inside a parent: continue that way
            last = definers[-1]
            prefix = last.path[len(last.table) : len(table)]
            self._insert(last.end, self._dotted_lines(prefix, items, last.indent))
            return
        if scalars:
            self._insert_scalars(table, header, scalars)
        for key, sub in tables.items():
            self._insert_table_block((*table, key), sub)

    def _insert_scalars(self, table: Path, header: Stmt | None, scalars: dict[str, Any]) -> None:
        idx = self.idx
        if header is None and table:
            # an implicit super-table (or none at all): give it a header before its first sub-table
            children = idx.under.get(table)
            if children:
                at = self._attached_start(children[0].start)
                self._insert(at, self._block(table, scalars) + self.nl)
                return
            self._insert_table_block(table, scalars)
            return
        if header is None:  # the root table
            if idx.root_kvs:
                last = idx.root_kvs[-1]
                self._insert(last.end, "".join(self._kv_line(last.indent, k, v) for k, v in scalars.items()))
            elif idx.first_header is not None:
                at = self._attached_start(idx.first_header.start)
                self._insert(at, "".join(self._kv_line("", k, v) for k, v in scalars.items()) + self.nl)
            else:
                self._insert(len(self._t), "".join(self._kv_line("", k, v) for k, v in scalars.items()))
            return
        indent = header.last_kv.indent if header.last_kv is not None else header.indent + self.key_offset
        self._insert(header.section_end, "".join(self._kv_line(indent, k, v) for k, v in scalars.items()))

    def _insert_table_block(self, path: Path, subtree: dict[str, Any]) -> None:
        """Write a new ``[path]`` block (with its sub-tables) next to its relatives."""
        block = self._block(path, subtree)
        # after the last section that belongs to the nearest ancestor with headers
        anchor = len(self._t)
        for depth in range(len(path) - 1, 0, -1):
            family = self.idx.under.get(path[:depth])
            if family:
                anchor = family[-1].section_end
                break
        if anchor:
            block = self.nl + block
        self._insert(anchor, block)


# --------------------------------------------------------------------------- inline tables


def _inline_raws(text: str, start: int) -> dict[Path, str]:
    """The source text of every value in the inline table at ``start``, by key path."""
    s = _Scanner(text)
    s.i = start
    out: dict[Path, str] = {}
    _inline_walk(s, (), out)
    return out


def _inline_walk(s: _Scanner, prefix: Path, out: dict[Path, str]) -> None:
    s.i += 1  # "{"
    while True:
        s.ws()
        if s.t[s.i] == "}":
            s.i += 1
            return
        if s.t[s.i] == ",":
            s.i += 1
            continue
        key = (*prefix, *s.key())
        s.ws()
        s.i += 1  # "="
        s.ws()
        begin = s.i
        if s.t[s.i] == "{":
            _inline_walk(s, key, out)
        else:
            s.value()
        out[key] = s.t[begin : s.i]


def _render_keeping(value: Any, old: Any, raws: dict[Path, str], path: Path, quote: str) -> str:
    """Render ``value``, reusing the source text of every part equal to the ``old`` one."""
    if path in raws and same(value, old):
        return raws[path]
    if isinstance(value, dict):
        if not value:
            return "{}"
        olds = old if isinstance(old, dict) else {}
        items = ", ".join(
            f"{render_key(k, quote)} = {_render_keeping(v, olds.get(k, _MISSING), raws, (*path, k), quote)}"
            for k, v in value.items()
        )
        return "{ " + items + " }"
    return render_value(value, quote)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
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
