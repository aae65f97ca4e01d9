# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and edit systemd unit files, drop-ins and environment files without losing a byte.

A file is kept as a list of logical lines, each holding its raw text exactly as
read (backslash continuations and comments included). Only the lines an edit
touches are re-rendered; every other byte is written back unchanged.

What a line means follows systemd 252, checked word for word against the argv
real systemd gives a stand-in program (tests/judges/record_systemd_argv.py and
the table of cases it recorded):

* systemd.syntax(7): sections, ``#``/``;`` comments, ``Key=value``; a line
  ending in a backslash continues on the next one (the backslash becomes a
  space); comment lines inside such a continuation are skipped and the
  continuation goes on after them;
* systemd.exec(5) ``Environment=``: quoted words with C escapes; an unknown
  escape or an unbalanced quote is "Invalid syntax": systemd keeps the
  assignments before the bad word and ignores the rest of the line; a word that
  is not ``NAME=value`` is ignored alone; specifiers are resolved; an empty
  ``Environment=`` resets the list;
* systemd.exec(5) ``EnvironmentFile=``: one path per line, ``-`` prefix for an
  optional file, an empty one resets; the files' variables override those of
  ``Environment=`` whatever the order of the lines, later files win; the files
  are read with systemd's own rules (see ``parse_env_file``; no ``export``, no
  specifiers);
* systemd.service(5) "Command lines": prefixes ``-@:+!`` (with ``@`` the word
  after the program is argv[0], with ``:`` nothing is substituted); quoted words with C
  escapes (an unknown escape is kept as written); specifiers; a lone ``;``
  separates commands and ``\\;`` is a literal ``;``; at start, a word that is
  exactly ``$NAME`` becomes the variable's value split at whitespace (zero or
  more words), ``${NAME}`` is replaced by the exact value wherever it appears
  (an unset one by nothing, so a word of its own stays one, empty, word),
  ``$$`` is ``$`` and any other ``$`` is kept as written;
* systemd.unit(5) "Specifiers": the ones that follow from the unit's name and
  the system manager's directories are resolved; host-dependent ones (``%H``,
  ``%m``...) are reported as unresolved; an unknown one is an error in
  ``ExecStart=`` (systemd refuses to start the unit) and drops the word in
  ``Environment=``.

Nothing here imports Ansible.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

WHITESPACE = " \t\n\r"
COMMENTS = "#;"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAR_WORD = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_VAR_BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# cunescape_one() of systemd's src/basic/escape.c: the escapes Environment= and ExecStart= know
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
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
# systemd.unit(5) "Specifiers" of systemd 252: every letter it knows; any other is an error
SPECIFIERS = frozenset("aAbBCdEfgGhHiIjJlLmMnNopPqsStTuUvVwWyY")
# the ones that depend on the host (hostname, machine and boot id, os-release, kernel, root's shell)
HOST_SPECIFIERS = frozenset("aAbBHlmMoqsvwW")


class UnitSyntaxError(ValueError):
    """A unit, drop-in or environment file cannot be understood; the message names file and line."""


@dataclass
class Word:
    """One word of a command line or assignment list: its value and its span in the raw text."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class SplitRules:
    """How systemd's extract_first_word() splits one kind of text: the flags its caller passes.

    Every caller below unquotes (``EXTRACT_UNQUOTE``): a quote may open anywhere
    in a word and groups whitespace until the same quote closes. The flags that
    differ (src/basic/extract-word.h of systemd 252):
    """

    cunescape: bool  # EXTRACT_CUNESCAPE: C escapes are decoded; without it a backslash takes the next character
    keep_unknown: bool  # EXTRACT_UNESCAPE_RELAX: an unknown escape or a trailing backslash is kept as written
    relax: bool  # EXTRACT_RELAX: an unbalanced quote runs to the end instead of being an error


# config_parse_environ() (Environment=): a bad word is "Invalid syntax"
ENVIRONMENT = SplitRules(cunescape=True, keep_unknown=False, relax=False)
# config_parse_exec() (ExecStart=): extract_first_word_and_warn() retries with EXTRACT_UNESCAPE_RELAX
# and logs "Ignoring unknown escape sequences"; an unbalanced quote still refuses the line
EXEC = SplitRules(cunescape=True, keep_unknown=True, relax=False)
# replace_env_argv() splitting the value of a ``$NAME`` word at start (EXTRACT_RELAX|EXTRACT_UNQUOTE)
VARIABLE = SplitRules(cunescape=False, keep_unknown=False, relax=True)


def iter_words(text: str, where: str = "", rules: SplitRules = ENVIRONMENT) -> Iterator[Word]:
    """Yield the words of ``text`` as systemd's extract_first_word() splits them under ``rules``.

    An unbalanced quote (unless ``rules.relax``) or an unknown escape (unless
    ``rules.keep_unknown``) raises UnitSyntaxError naming ``where``. The words
    before the bad one have been yielded by then: systemd applies them.
    """
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in WHITESPACE:
            i += 1
        if i >= n:
            return
        start = i
        value, i = _read_word(text, i, where, rules)
        yield Word(value, start, i)


def _read_word(text: str, i: int, where: str, rules: SplitRules) -> tuple[str, int]:
    """The unquoted, unescaped word starting at ``text[i]``; the index after it."""
    n = len(text)
    start = i
    buf: list[str] = []
    quote = ""
    while i < n:
        ch = text[i]
        if ch == "\\":
            i = _escape(text, i, buf, where, rules)
            continue
        if not quote and ch in WHITESPACE:
            break
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in "\"'":
            quote = ch
        else:
            buf.append(ch)
        i += 1
    if quote and not rules.relax:
        raise UnitSyntaxError(f"{where}unbalanced {quote} quote in: {text[start:].strip()}")
    return "".join(buf), i


def split_words(text: str, where: str = "", rules: SplitRules = ENVIRONMENT) -> list[Word]:
    """All words of ``text`` (see ``iter_words``); the first bad one raises UnitSyntaxError."""
    return list(iter_words(text, where, rules))


def _escape(text: str, i: int, buf: list[str], where: str, rules: SplitRules) -> int:
    """Decode the escape at ``text[i]`` (a backslash) into ``buf``; return the next index."""
    nxt = text[i + 1 : i + 2]
    if not nxt:  # a trailing backslash: kept with EXTRACT_UNESCAPE_RELAX, eaten with EXTRACT_RELAX
        if rules.keep_unknown:
            buf.append("\\")
        if rules.keep_unknown or rules.relax:
            return i + 1
        raise UnitSyntaxError(f"{where}trailing backslash in: {text.strip()}")
    if not rules.cunescape:  # the backslash takes the next character as it is
        buf.append(nxt)
        return i + 2
    if nxt in _SIMPLE_ESCAPES:
        buf.append(_SIMPLE_ESCAPES[nxt])
        return i + 2
    if nxt in _HEX_ESCAPES:  # \xHH, \uHHHH, \UHHHHHHHH
        digits = _HEX_ESCAPES[nxt]
        code = text[i + 2 : i + 2 + digits]
        if re.fullmatch(f"[0-9a-fA-F]{{{digits}}}", code) and 0 < int(code, 16) <= 0x10FFFF:
            buf.append(chr(int(code, 16)))
            return i + 2 + digits
    elif re.fullmatch("[0-7]{3}", text[i + 1 : i + 4]) and int(text[i + 1 : i + 4], 8) > 0:  # \OOO
        buf.append(chr(int(text[i + 1 : i + 4], 8)))
        return i + 4
    if rules.keep_unknown:  # systemd logs "Ignoring unknown escape sequences" and keeps them as written
        buf.append(text[i : i + 2])
        return i + 2
    raise UnitSyntaxError(f"{where}unknown escape \\{nxt} in: {text.strip()}")


def split_variable(value: str) -> list[Word]:
    """The words ``$NAME`` stands for at start: ``value`` split as systemd's replace_env_argv() does.

    The VARIABLE rules: whitespace separates words; quotes group (an unbalanced
    one runs to the end); a backslash takes the next character literally (no C
    escapes here). Spans point into ``value``.
    """
    return split_words(value, "", VARIABLE)


def quote_word(value: str, *, specifiers: bool = False) -> str:
    """Quote ``value`` as one word for a unit file line (``Environment=`` or ``ExecStart=``).

    ``%`` is escaped as ``%%`` unless ``value`` is already written with specifiers (``specifiers``).
    """
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped if specifiers else escaped.replace("%", "%%")}"'


def unescape_specifiers(value: str) -> str:
    """Turn ``%%`` into ``%`` and leave every other specifier as written."""
    return value.replace("%%", "%")


def unit_specifiers(unit_name: str, fragment_path: str | None = None) -> dict[str, str]:
    """The specifiers of systemd.unit(5) that follow from the unit's name, for the system manager.

    Host-dependent ones (HOST_SPECIFIERS) are left out: they cannot be known
    without the host, and ``resolve_specifiers`` reports them as unresolved.
    """
    prefix, at, instance = (unit_name.rpartition(".")[0] or unit_name).partition("@")
    specs = {
        "n": unit_name,
        "N": unit_name.rpartition(".")[0] or unit_name,
        "p": prefix,
        "P": prefix,  # unescaped: kubelet names carry no systemd escapes
        "i": instance if at else "",
        "I": instance if at else "",
        "j": prefix.rpartition("-")[2],
        "J": prefix.rpartition("-")[2],
        "f": "/" + (instance if at and instance else prefix),
        # the system manager's directories and user (systemd.unit(5) table, "system manager" column)
        "t": "/run",
        "S": "/var/lib",
        "C": "/var/cache",
        "L": "/var/log",
        "E": "/etc",
        "T": "/tmp",
        "V": "/var/tmp",
        "d": f"/run/credentials/{unit_name}",
        "u": "root",
        "U": "0",
        "g": "root",
        "G": "0",
        "h": "/root",
        "%": "%",
    }
    if fragment_path:
        specs["y"] = fragment_path
        specs["Y"] = os.path.dirname(fragment_path)
    return specs


def resolve_specifiers(text: str, specs: Mapping[str, str] | None, where: str = "") -> tuple[str, list[str]]:
    """Resolve ``%X`` in ``text``; return it and the host-dependent specifiers left unresolved.

    A letter systemd 252 does not know raises UnitSyntaxError. Without ``specs``
    only ``%%`` is resolved.
    """
    if "%" not in text:
        return text, []
    specs = specs if specs is not None else {"%": "%"}
    out: list[str] = []
    unresolved: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        letter = text[i + 1 : i + 2]
        if letter in specs:
            out.append(specs[letter])
        elif letter in SPECIFIERS:
            out.append("%" + letter)
            unresolved.append("%" + letter)
        else:
            raise UnitSyntaxError(f"{where}unknown specifier %{letter} in: {text.strip()}")
        i += 2
    return "".join(out), unresolved


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
    def raw_value(self) -> str:
        """The value as written: after ``=``, continuations and comments included, no final newline."""
        return self.raw[self.value_start :].rstrip("\n")

    @property
    def value(self) -> str:
        """The value as systemd reads it (see ``value_offsets``)."""
        return self.value_offsets()[0]

    def value_offsets(self) -> tuple[str, list[int]]:
        """The value as systemd reads it, and for each of its characters its offset in ``raw``.

        systemd.syntax(7): a backslash at the end of a line becomes a space and the
        next line is appended; comment lines inside the continuation are skipped.
        """
        chars: list[str] = []
        offsets: list[int] = []
        pos = self.value_start
        first = True
        for physical in self.raw[self.value_start :].splitlines(keepends=True):
            body = physical.rstrip("\r\n")
            if not first and body.lstrip(WHITESPACE)[:1] in tuple(COMMENTS):
                pos += len(physical)
                continue
            continued = body.endswith("\\") and pos + len(physical) < len(self.raw)
            for k, ch in enumerate(body):
                chars.append(" " if continued and k == len(body) - 1 else ch)
                offsets.append(pos + k)
            pos += len(physical)
            first = False
        text = "".join(chars)
        keep = len(text.rstrip(WHITESPACE))
        return text[:keep], offsets[:keep]

    def words(self, where: str, rules: SplitRules = ENVIRONMENT) -> Iterator[Word]:
        """The words of the value as systemd reads it, with spans pointing into ``raw``."""
        text, offsets = self.value_offsets()
        for word in iter_words(text, where, rules):
            yield Word(word.value, offsets[word.start], offsets[word.end - 1] + 1)


@dataclass
class UnitFile:
    path: str
    lines: list[Line] = field(default_factory=list)

    def render(self) -> str:
        return "".join(line.raw for line in self.lines)

    def assignments(self, key: str, section: str = "Service") -> list[Line]:
        return [ln for ln in self.lines if ln.is_assignment and ln.section == section and ln.key == key]


def _is_comment(physical: str) -> bool:
    return physical.lstrip(WHITESPACE)[:1] in tuple(COMMENTS)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Group physical lines into logical ones (systemd.syntax(7)).

    A line ending in a backslash continues on the next one; comment lines met
    while continuing belong to the logical line (systemd skips them) and do not
    end it, whatever they end with. A comment line never starts a continuation.
    """
    physical = text.splitlines(keepends=True)
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(physical):
        start = i
        raw = physical[i]
        continued = not _is_comment(raw) and raw.rstrip("\r\n").endswith("\\")
        while continued and i + 1 < len(physical):
            i += 1
            raw += physical[i]
            if not _is_comment(physical[i]):
                continued = physical[i].rstrip("\r\n").endswith("\\")
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
    value: str  # specifiers resolved: what the process gets
    start: int
    end: int
    text: str = ""  # the value as the unit file means it, specifiers unresolved (``%%``, ``%H``)


def parse_environment(
    line: Line,
    path: str,
    specs: Mapping[str, str] | None = None,
    warnings: list[str] | None = None,
) -> list[EnvAssignment]:
    """The assignments systemd takes from one ``Environment=`` line (none for the resetting one).

    Like systemd's config_parse_environ(): an invalid word (unknown escape,
    unbalanced quote) ignores it and the rest of the line, a word that is not
    ``NAME=value`` or whose specifiers cannot be resolved is ignored alone. Each
    problem is appended to ``warnings``; without a list the first one raises.
    """
    where = f"{path}: line {line.lineno}: Environment=: "
    out: list[EnvAssignment] = []

    def problem(message: str) -> None:
        if warnings is None:
            raise UnitSyntaxError(where + message)
        warnings.append(where + message)

    try:
        for word in line.words(where):
            try:
                resolved, unresolved = resolve_specifiers(word.value, specs)
            except UnitSyntaxError as exc:
                problem(f"{exc}; systemd ignores this assignment")
                continue
            name, sep, value = resolved.partition("=")
            if not sep or not _ENV_NAME.match(name):
                problem(f"expected NAME=value, got {word.value!r}; systemd ignores it")
                continue
            if unresolved:
                problem(f"{name}: cannot resolve {', '.join(unresolved)} here (it depends on the host)")
            out.append(EnvAssignment(name, value, word.start, word.end, word.value.partition("=")[2]))
    except UnitSyntaxError as exc:
        if warnings is None:
            raise
        warnings.append(f"{exc}; systemd ignores the rest of the line (Invalid syntax)")
    return out


def render_env_assignment(name: str, value: str, *, specifiers: bool = False) -> str:
    """``"NAME=value"`` for an Environment= line; ``specifiers``: ``value`` is written with them already."""
    return quote_word(f"{name}={value}", specifiers=specifiers)


@dataclass
class ExecCommand:
    """An ``ExecStart=`` command: prefix characters and its words (spans relative to the raw line).

    ``words[0]`` is the program; with the ``@`` prefix ``words[1]`` is argv[0]
    and the arguments start at ``words[2]``. Word values have specifiers and
    ``\\;`` resolved; ``$`` expansion happens at start (``expand_word``).
    """

    prefix: str
    words: list[Word]
    unresolved: list[str] = field(default_factory=list)

    @property
    def first_argument(self) -> int:
        return 2 if "@" in self.prefix else 1


def parse_exec(line: Line, path: str, specs: Mapping[str, str] | None = None) -> ExecCommand | None:
    """Parse an ``ExecStart=`` line; None for the resetting empty assignment.

    Raises UnitSyntaxError where systemd refuses the line (bad quoting, an
    unknown specifier) or where it holds more than one command (a lone ``;``).
    """
    where = f"{path}: line {line.lineno}: {line.key}=: "
    words: list[Word] = []
    unresolved: list[str] = []
    text, offsets = line.value_offsets()
    for word in iter_words(text, where, EXEC):
        if word.value == ";":  # a lone ';' ends the command, '\\;' is a literal ';'
            if text[word.end :].strip(WHITESPACE):
                raise UnitSyntaxError(f"{where}several commands separated by ';' (only Type=oneshot runs them)")
            break
        value, missing = resolve_specifiers(";" if word.value == "\\;" else word.value, specs, where)
        unresolved += missing
        words.append(Word(value, offsets[word.start], offsets[word.end - 1] + 1))
    if not words:
        return None
    first = words[0]
    prefix = ""
    while first.value and first.value[0] in "-@:+!":
        prefix += first.value[0]
        first.value = first.value[1:]
    if not first.value:
        raise UnitSyntaxError(f"{where}no command after the prefix {prefix!r}")
    if "@" in prefix and len(words) < 2:
        raise UnitSyntaxError(f"{where}the '@' prefix needs argv[0] after the program")
    return ExecCommand(prefix=prefix, words=words, unresolved=unresolved)


def variable_of(word: str) -> tuple[str, bool] | None:
    """If ``word`` is ``$NAME`` return (NAME, True: split); if it is ``${NAME}`` return (NAME, False)."""
    m = _VAR_WORD.match(word)
    if m:
        return m.group(1), True
    m = _VAR_BRACED.fullmatch(word)
    if m:
        return m.group(1), False
    return None


def _substitute(word: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """systemd's replace_env(): ``${NAME}`` replaced (unset: nothing), ``$$`` is ``$``, other ``$`` kept."""
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(word)
    while i < n:
        if word.startswith("$$", i):
            out.append("$")
            i += 2
        elif word.startswith("${", i) and "}" in word[i + 2 :]:
            end = word.index("}", i + 2)
            names.append(word[i + 2 : end])
            out.append(env.get(word[i + 2 : end], ""))
            i = end + 1
        else:
            out.append(word[i])
            i += 1
    return "".join(out), names


def expand_word(word: str, env: Mapping[str, str]) -> list[str]:
    """The argv words one ExecStart= word becomes at start (systemd.service(5) "Command lines")."""
    var = _VAR_WORD.match(word)
    if var:
        value = env.get(var.group(1))
        return [w.value for w in split_variable(value)] if value is not None else []
    return [_substitute(word, env)[0]]


def references(word: str) -> list[str]:
    """Every variable a command-line word refers to (``$NAME`` as a whole word, ``${NAME}`` anywhere)."""
    var = _VAR_WORD.match(word)
    if var:
        return [var.group(1)]
    return _substitute(word, {})[1]


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
    warnings: list[str] = field(default_factory=list)

    def render(self) -> str:
        return "".join(line.raw for line in self.lines)

    def values(self) -> dict[str, EnvFileLine]:
        """The assignment that wins for each variable (the last one)."""
        out: dict[str, EnvFileLine] = {}
        for line in self.lines:
            if line.is_assignment:
                out[line.name] = line
        return out


_NEWLINE = "\n\r"
_SHELL_NEED_ESCAPE = '"\\`$'


class _EnvFileReader:
    """systemd's parse_env_file_internal() (src/basic/env-file.c), one character at a time.

    Its states, as systemd 252 behaves (recorded in the argv table): leading
    blanks and ``#``/``;`` comment lines are skipped; the key runs to ``=`` (a
    line without ``=`` is ignored); blanks before a value are skipped; a value
    is unquoted (a backslash takes the next character, backslash-newline joins
    lines, trailing blanks are cut, quotes are literal), ``'single'`` (literal,
    may span lines) or ``"double"`` (backslash escapes ``"\\`$`` and newline,
    keeps itself before any other character); after a closing quote another
    value part may follow (``'a'"b"c`` is ``abc``); an unterminated quote runs
    to the end of the file. Names must be valid (``export NAME=`` is not).
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.env = EnvFile(path=path)
        self.pos = 0

    def parse(self) -> EnvFile:
        while self.pos < len(self.text):
            start = self.pos
            name, value, quote, assigned = self._entry()
            raw = self.text[start : self.pos]
            lineno = self.text.count("\n", 0, start) + 1
            if assigned and _ENV_NAME.match(name):
                self.env.lines.append(EnvFileLine(raw, lineno, name, value, quote))
                continue
            if assigned:
                self.env.warnings.append(
                    f"{self.path}: line {lineno}: {name!r} is not a valid variable name; systemd ignores "
                    f"this assignment"
                )
            self.env.lines.append(EnvFileLine(raw, lineno))
        return self.env

    def _take(self) -> str:
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def _entry(self) -> tuple[str, str, str, bool]:
        """Read one entry up to and including its final newline: (name, value, quote, has '=')."""
        while self.pos < len(self.text) and self.text[self.pos] in WHITESPACE and self.text[self.pos] not in _NEWLINE:
            self.pos += 1
        if self.pos >= len(self.text):
            return "", "", "", False
        if self.text[self.pos] in _NEWLINE:
            self.pos += 1
            return "", "", "", False
        if self.text[self.pos] in COMMENTS:
            self._comment()
            return "", "", "", False
        key: list[str] = []
        while self.pos < len(self.text):
            ch = self._take()
            if ch in _NEWLINE:
                return "", "", "", False
            if ch == "=":
                value, quote = self._value()
                return "".join(key).strip(WHITESPACE), value, quote, True
            key.append(ch)
        return "", "", "", False

    def _comment(self) -> None:
        while self.pos < len(self.text):
            ch = self._take()
            if ch == "\\" and self.pos < len(self.text):
                self.pos += 1
            elif ch in _NEWLINE:
                return

    def _value(self) -> tuple[str, str]:
        buf: list[str] = []
        quote_style = ""
        keep = 0  # length of ``buf`` that trailing-blank trimming may not cut
        pre = True  # systemd's PRE_VALUE: at the start and after a closing quote
        while self.pos < len(self.text):
            ch = self._take()
            if ch in _NEWLINE:
                break
            if pre and ch in WHITESPACE:
                continue
            if pre and ch in "\"'":
                quote_style = quote_style or ch
                buf.extend(self._quoted(ch))
                keep = len(buf)
                continue
            pre = False
            if ch == "\\":
                if self.pos < len(self.text):
                    nxt = self._take()
                    if nxt not in _NEWLINE:
                        buf.append(nxt)
                keep = len(buf)
            else:
                buf.append(ch)
                if ch not in WHITESPACE:
                    keep = len(buf)
        return "".join(buf[:keep]), quote_style

    def _quoted(self, quote: str) -> list[str]:
        buf: list[str] = []
        while self.pos < len(self.text):
            ch = self._take()
            if ch == quote:
                return buf
            if quote == '"' and ch == "\\" and self.pos < len(self.text):
                nxt = self._take()
                if nxt in _SHELL_NEED_ESCAPE:
                    buf.append(nxt)
                elif nxt != "\n":
                    buf += ["\\", nxt]
                continue
            buf.append(ch)
        return buf


def parse_env_file(text: str, path: str) -> EnvFile:
    """Parse an ``EnvironmentFile=`` as systemd does; lines it ignores are kept and listed in ``warnings``."""
    return _EnvFileReader(text, path).parse()


def render_env_file_line(name: str, value: str, quote: str) -> str:
    """Render ``NAME=value`` in an environment file, keeping the original quote style when possible."""
    if quote == "'" and "'" not in value:
        return f"{name}='{value}'\n"
    if quote == "" and value and not re.search(r"[\s\"'\\$`#;]", value):
        return f"{name}={value}\n"
    escaped = re.sub(r'(["\\`$])', r"\\\1", value)
    return f'{name}="{escaped}"\n'
