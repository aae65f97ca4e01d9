# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and edit systemd unit files, drop-ins and environment files without losing a byte.

A file is kept as a list of logical lines, each holding its raw text exactly as
read (backslash continuations and comments included). Only the lines an edit
touches are re-rendered; every other byte is written back unchanged.

What is understood, following systemd.syntax(7), systemd.exec(5) and
systemd.service(5):

* sections, ``#``/``;`` comments, ``Key=value`` with blanks around ``=``;
* lines ending in a backslash continue on the next line (systemd replaces the
  backslash-newline by a space);
* ``Environment=`` holds several assignments, each a word that may be quoted
  with ``"`` or ``'`` and may use C escapes; ``%%`` is a literal ``%``; an
  empty ``Environment=`` resets the list;
* ``EnvironmentFile=`` with the optional ``-`` prefix (a missing file is then
  not an error); an empty one resets the list; files override ``Environment=``;
* ``ExecStart=``: an empty assignment resets, prefixes ``-@:+!``, words quoted
  as above, ``$NAME`` (the variable split at whitespace into words) and
  ``${NAME}`` (exactly one word);
* environment files: ``KEY=value`` per line, values unquoted (backslash
  escapes the next character), ``"double quoted"`` (backslash escapes ``"``,
  ``\\``, ``$``, backquote and newline) or ``'single quoted'`` (literal).

Nothing here imports Ansible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WHITESPACE = " \t\n\r"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAR_WORD = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_VAR_BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "s": " ",
    "\\": "\\",
    '"': '"',
    "'": "'",
}


class UnitSyntaxError(ValueError):
    """A unit, drop-in or environment file cannot be understood; the message names file and line."""


@dataclass
class Word:
    """One word of a command line or assignment list: its value and its span in the raw text."""

    value: str
    start: int
    end: int


def split_words(text: str, where: str = "") -> list[Word]:
    """Split ``text`` into words as systemd does for ``Environment=`` and ``ExecStart=``.

    Quotes may open anywhere in a word; C escapes work inside and outside
    quotes; a backslash-newline outside quotes separates words. An unbalanced
    quote raises UnitSyntaxError naming ``where``.
    """
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and (text[i] in WHITESPACE or text.startswith("\\\n", i)):
            i += 2 if text[i] == "\\" else 1
        if i >= n:
            break
        start = i
        buf: list[str] = []
        quote = ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                    i += 1
                elif ch == "\\":
                    i = _escape(text, i, buf, where)
                else:
                    buf.append(ch)
                    i += 1
            elif ch in WHITESPACE or text.startswith("\\\n", i):
                break
            elif ch in "\"'":
                quote = ch
                i += 1
            elif ch == "\\":
                i = _escape(text, i, buf, where)
            else:
                buf.append(ch)
                i += 1
        if quote:
            raise UnitSyntaxError(f"{where}unbalanced {quote} quote in: {text[start:].strip()}")
        words.append(Word("".join(buf), start, i))
    return words


def _escape(text: str, i: int, buf: list[str], where: str) -> int:
    """Decode the escape at ``text[i]`` (a backslash) into ``buf``; return the next index."""
    if i + 1 >= len(text):
        raise UnitSyntaxError(f"{where}trailing backslash in: {text.strip()}")
    nxt = text[i + 1]
    if nxt == "\n":  # a continuation inside quotes becomes a space
        buf.append(" ")
        return i + 2
    if nxt in _SIMPLE_ESCAPES:
        buf.append(_SIMPLE_ESCAPES[nxt])
        return i + 2
    if nxt == "x" and re.match(r"[0-9a-fA-F]{2}", text[i + 2 : i + 4]):
        buf.append(chr(int(text[i + 2 : i + 4], 16)))
        return i + 4
    buf.append(nxt)  # systemd is relaxed about unknown escapes
    return i + 2


def quote_word(value: str) -> str:
    """Quote ``value`` as one word for a unit file line (``Environment=`` or ``ExecStart=``)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("%", "%%")
    return f'"{escaped}"'


def unescape_specifiers(value: str) -> str:
    """Turn ``%%`` into ``%``; other specifiers are left as written (we do not resolve them)."""
    return value.replace("%%", "%")


@dataclass
class Line:
    """One logical line of a unit file: its raw text (continuations included) and what it means."""

    raw: str
    lineno: int
    section: str = ""
    key: str = ""
    value_start: int = -1  # offset of the value in ``raw``; -1 for blank/comment/section lines

    @property
    def is_assignment(self) -> bool:
        return self.value_start >= 0

    @property
    def value(self) -> str:
        """The raw value: after ``=``, without the trailing newline."""
        return self.raw[self.value_start :].rstrip("\n")


@dataclass
class UnitFile:
    path: str
    lines: list[Line] = field(default_factory=list)

    def render(self) -> str:
        return "".join(line.raw for line in self.lines)

    def assignments(self, key: str, section: str = "Service") -> list[Line]:
        return [ln for ln in self.lines if ln.is_assignment and ln.section == section and ln.key == key]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Group physical lines into logical ones (a trailing backslash continues the line)."""
    physical = text.splitlines(keepends=True)
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(physical):
        start = i
        raw = physical[i]
        stripped = raw.lstrip()
        is_comment = stripped.startswith(("#", ";"))
        while not is_comment and raw.rstrip("\n").endswith("\\") and i + 1 < len(physical):
            i += 1
            raw += physical[i]
        out.append((start + 1, raw))
        i += 1
    return out


def parse_unit(text: str, path: str) -> UnitFile:
    """Parse a unit file or drop-in into logical lines; raise UnitSyntaxError on a malformed line."""
    unit = UnitFile(path=path)
    section = ""
    for lineno, raw in _logical_lines(text):
        body = raw.strip()
        if not body or body.startswith(("#", ";")):
            unit.lines.append(Line(raw=raw, lineno=lineno, section=section))
            continue
        if body.startswith("["):
            if not body.endswith("]") or len(body) < 3:
                raise UnitSyntaxError(f"{path}: line {lineno}: malformed section header: {body}")
            section = body[1:-1]
            unit.lines.append(Line(raw=raw, lineno=lineno, section=section))
            continue
        if "=" not in raw:
            raise UnitSyntaxError(f"{path}: line {lineno}: expected Key=value, got: {body}")
        if not section:
            raise UnitSyntaxError(f"{path}: line {lineno}: assignment outside of any [Section]: {body}")
        eq = raw.index("=")
        key = raw[:eq].strip()
        if not re.match(r"^[A-Za-z][A-Za-z0-9-]*$", key):
            raise UnitSyntaxError(f"{path}: line {lineno}: invalid key {key!r}")
        value_start = eq + 1
        while value_start < len(raw) and raw[value_start] in " \t":
            value_start += 1
        unit.lines.append(Line(raw=raw, lineno=lineno, section=section, key=key, value_start=value_start))
    return unit


@dataclass
class EnvAssignment:
    """One ``NAME=value`` of an ``Environment=`` line, with its span in the line's raw text."""

    name: str
    value: str
    start: int
    end: int


def parse_environment(line: Line, path: str) -> list[EnvAssignment]:
    """The assignments of one ``Environment=`` line (empty list for the resetting ``Environment=``)."""
    where = f"{path}: line {line.lineno}: Environment=: "
    out: list[EnvAssignment] = []
    for word in split_words(line.value, where):
        name, sep, value = word.value.partition("=")
        if not sep or not _ENV_NAME.match(name):
            raise UnitSyntaxError(f"{where}expected NAME=value, got {word.value!r}")
        offset = line.value_start
        out.append(EnvAssignment(name, unescape_specifiers(value), word.start + offset, word.end + offset))
    return out


def render_env_assignment(name: str, value: str) -> str:
    return quote_word(f"{name}={value}")


@dataclass
class ExecCommand:
    """An ``ExecStart=`` command: prefix characters and its words (spans relative to the raw line)."""

    prefix: str
    words: list[Word]


def parse_exec(line: Line, path: str) -> ExecCommand | None:
    """Parse an ``ExecStart=`` line; None for the resetting empty assignment."""
    where = f"{path}: line {line.lineno}: {line.key}=: "
    words = split_words(line.value, where)
    if not words:
        return None
    offset = line.value_start
    shifted = [Word(w.value, w.start + offset, w.end + offset) for w in words]
    first = shifted[0]
    prefix = ""
    while first.value and first.value[0] in "-@:+!":
        prefix += first.value[0]
        first.value = first.value[1:]
    if not first.value:
        raise UnitSyntaxError(f"{where}no command after the prefix {prefix!r}")
    return ExecCommand(prefix=prefix, words=shifted)


def variable_of(word: str) -> tuple[str, bool] | None:
    """If ``word`` is ``$NAME`` return (NAME, True: split); if it is ``${NAME}`` return (NAME, False)."""
    m = _VAR_WORD.match(word)
    if m:
        return m.group(1), True
    m = _VAR_BRACED.fullmatch(word)
    if m:
        return m.group(1), False
    return None


def references(word: str) -> list[str]:
    """Every variable a command-line word refers to."""
    found = [m.group(1) for m in _VAR_BRACED.finditer(word)]
    m = _VAR_WORD.match(word)
    if m:
        found.append(m.group(1))
    return found


# -- environment files ---------------------------------------------------------------------------


@dataclass
class EnvFileLine:
    raw: str
    lineno: int
    name: str = ""
    value: str = ""
    quote: str = ""  # the quote style of the value as written: '"', "'" or ""

    @property
    def is_assignment(self) -> bool:
        return bool(self.name)


@dataclass
class EnvFile:
    path: str
    lines: list[EnvFileLine] = field(default_factory=list)

    def render(self) -> str:
        return "".join(line.raw for line in self.lines)

    def values(self) -> dict[str, EnvFileLine]:
        """The assignment that wins for each variable (the last one)."""
        out: dict[str, EnvFileLine] = {}
        for line in self.lines:
            if line.is_assignment:
                out[line.name] = line
        return out


def _env_value(text: str, path: str, lineno: int) -> tuple[str, str, str]:
    """Parse the value part of an environment file line; return (value, quote, rest-after-value)."""
    stripped = text.lstrip(" \t")
    where = f"{path}: line {lineno}: "
    if stripped[:1] in ('"', "'"):
        quote = stripped[0]
        buf: list[str] = []
        i = 1
        while i < len(stripped):
            ch = stripped[i]
            if ch == quote:
                return "".join(buf), quote, stripped[i + 1 :]
            if quote == '"' and ch == "\\" and i + 1 < len(stripped):
                nxt = stripped[i + 1]
                if nxt == "\n":
                    i += 2
                    continue
                if nxt in '"\\`$':
                    buf.append(nxt)
                    i += 2
                    continue
            buf.append(ch)
            i += 1
        raise UnitSyntaxError(f"{where}unbalanced {quote} quote in: {text.strip()}")
    buf = []
    i = 0
    body = stripped.rstrip("\n")
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            buf.append(body[i + 1] if body[i + 1] != "\n" else "")
            i += 2
            continue
        if ch in "\"'":
            raise UnitSyntaxError(f"{where}quote {ch} in the middle of an unquoted value: {body.strip()}")
        buf.append(ch)
        i += 1
    return "".join(buf).rstrip(" \t"), "", ""


def parse_env_file(text: str, path: str) -> EnvFile:
    """Parse an ``EnvironmentFile=``; raise UnitSyntaxError naming the line on malformed input."""
    env = EnvFile(path=path)
    physical = text.splitlines(keepends=True)
    i = 0
    while i < len(physical):
        lineno = i + 1
        raw = physical[i]
        body = raw.strip()
        if not body or body.startswith(("#", ";")):
            env.lines.append(EnvFileLine(raw=raw, lineno=lineno))
            i += 1
            continue
        # a line continues while it ends in a backslash or an opened quote is not closed yet
        while i + 1 < len(physical) and (raw.rstrip("\n").endswith("\\") or _open_quote(raw)):
            i += 1
            raw += physical[i]
        i += 1
        name, sep, rest = raw.partition("=")
        name = name.strip()
        if name.startswith("export "):
            name = name[len("export ") :].strip()
        if not sep or not _ENV_NAME.match(name):
            raise UnitSyntaxError(f"{path}: line {lineno}: expected NAME=value, got: {body}")
        value, quote, after = _env_value(rest, path, lineno)
        if after.strip() and not after.strip().startswith("#"):
            raise UnitSyntaxError(f"{path}: line {lineno}: text after the closing quote: {after.strip()}")
        env.lines.append(EnvFileLine(raw=raw, lineno=lineno, name=name, value=value, quote=quote))
    return env


def _open_quote(raw: str) -> bool:
    """True if ``raw`` (NAME=value...) opens a quoted value that it does not close."""
    rest = raw.partition("=")[2]
    rest = rest.lstrip(" \t")
    if rest[:1] not in ('"', "'"):
        return False
    quote = rest[0]
    i = 1
    while i < len(rest):
        if quote == '"' and rest[i] == "\\":
            i += 2
            continue
        if rest[i] == quote:
            return False
        i += 1
    return True


def render_env_file_line(name: str, value: str, quote: str) -> str:
    """Render ``NAME=value`` in an environment file, keeping the original quote style when possible."""
    if quote == "'" and "'" not in value:
        return f"{name}='{value}'\n"
    if quote == "" and value and not re.search(r"[\s\"'\\$`#;]", value):
        return f"{name}={value}\n"
    escaped = re.sub(r'(["\\`$])', r"\\\1", value)
    return f'{name}="{escaped}"\n'
