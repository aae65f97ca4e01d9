# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set and remove kubelet flags in a systemd drop-in, knowing the kubelet's whole command line.

The effective command line is rebuilt the way systemd builds it: the unit
file, then every drop-in of its ``.d`` directory in file-name order;
``Environment=`` assignments (later ones win, an empty one resets),
``EnvironmentFile=`` files (read at start, they override ``Environment=``),
and the last ``ExecStart=`` after a reset, with ``$NAME`` split into words.

Each flag of that command line is traced to the place that sets it: a
variable in the drop-in we edit, a variable in an environment file, a
literal word of an ``ExecStart=`` line. An edit puts requested flags in one
variable (``variable``), removes their other occurrences from the places we
may edit, and refuses (naming file and line) when a conflicting occurrence
sits where we may not. The result is re-read to prove that every requested
flag appears exactly as asked.

Nothing here imports Ansible: files are read through a callable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._kubelet import (
    FlagValue,
    KubeletError,
    Version,
    deprecated_flags,
    deprecation_warning,
    desired_values,
    normalize_flag_name,
    parse_flags,
    removed_flags,
    render_flag,
    same_values,
    version_text,
)
from ._kubelet_layout import UNIT_LOAD_PATH
from ._systemd_unit import (
    EnvFile,
    ExecCommand,
    Line,
    UnitFile,
    UnitSyntaxError,
    expand_word,
    parse_env_file,
    parse_environment,
    parse_exec,
    parse_unit,
    references,
    render_env_assignment,
    render_env_file_line,
    resolve_specifiers,
    split_variable,
    unit_specifiers,
    variable_of,
)

Reader = Callable[[str], "str | None"]
Lister = Callable[[str], list[str]]
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
UNIT_DIRS = UNIT_LOAD_PATH


@dataclass
class Holder:
    """A place that holds command-line words: a variable or the words of ExecStart.

    ``words`` are the values the kubelet sees; ``raw_words`` the same words as
    written in the variable's value (quotes and backslashes kept), which is what
    an edit writes back. For ExecStart= both are its words after the program.
    """

    kind: str  # "dropin-env", "envfile", "exec", "unit-env", "unit-exec"
    path: str
    lineno: int
    variable: str = ""
    words: list[str] = field(default_factory=list)
    editable: bool = False
    line: Line | None = None  # drop-in line (Environment= or ExecStart=)
    index: int = -1  # assignment index within an Environment= line
    env_file: EnvFile | None = None
    value: str = ""  # a variable's whole value (what ``${NAME}`` stands for)
    raw_words: list[str] = field(default_factory=list)
    specifiers: bool = False  # raw_words are written with specifiers (``%%`` for a ``%``)

    def describe(self) -> str:
        what = f"variable {self.variable}" if self.variable else "ExecStart="
        return f"{self.path}: line {self.lineno} ({what})"


@dataclass
class Source:
    """Where one argv word comes from: word ``index`` of ``holder`` (an ExecStart= word or a variable's)."""

    holder: Holder
    index: int


@dataclass
class Occurrence:
    """A flag of the command line: argv words ``first``..``last`` and where each comes from."""

    name: str
    value: FlagValue
    holder: Holder  # the holder of the flag word itself
    first: int
    last: int
    sources: list[Source] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return all(src.holder.editable for src in self.sources)


@dataclass
class CommandLine:
    """The kubelet's effective command line and where each word comes from."""

    binary: str
    args: list[str]
    occurrences: list[Occurrence]
    holders: list[Holder]
    exec_line: Line | None
    exec_path: str
    referenced: set[str]
    env_sources: dict[str, Holder]
    env_files: list[tuple[str, bool]]  # (path, optional)
    missing_env_files: list[str]
    sources: list[Source] = field(default_factory=list)
    split_references: set[str] = field(default_factory=set)  # variables used as a whole ``$NAME`` word
    positional: list[int] = field(default_factory=list)  # argv indexes of words that are no flag
    exec_prefix: str = ""  # ExecStart='s prefix characters (systemd.service(5) table of prefixes)
    warnings: list[str] = field(default_factory=list)


@dataclass
class DropinRequest:
    path: str
    variable: str = "KUBELET_CRI_ARGS"
    flags: Mapping[str, Any] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    edit_environment_files: bool = True
    version: Version | None = None
    remove_unsupported: bool = True
    unit_path: str | None = None
    # the unit's drop-ins in systemd's order (None: the drop-ins of ``path``'s own directory)
    dropin_paths: list[str] | None = None


@dataclass
class DropinResult:
    texts_before: dict[str, str | None]
    texts_after: dict[str, str]
    found: list[dict[str, Any]]
    removed_unsupported: list[str]
    effective_before: list[str]
    effective_after: list[str]
    conflicts: list[str]
    warnings: list[str]
    unit_path: str | None
    binary: str
    args_before: list[str] = field(default_factory=list)  # the kubelet's argv after the program, word for word
    args_after: list[str] = field(default_factory=list)

    @property
    def changed_paths(self) -> list[str]:
        return [p for p, t in self.texts_after.items() if t != (self.texts_before.get(p) or "")]

    @property
    def dropin_changed(self) -> bool:
        path = next(iter(self.texts_after))
        return self.texts_after[path] != (self.texts_before.get(path) or "")


def find_unit(dropin_path: str, reader: Reader, unit_path: str | None) -> tuple[str | None, str | None]:
    """The unit file a drop-in belongs to: ``unit_path``, beside the ``.d`` directory, or systemd's dirs."""
    if unit_path:
        return unit_path, reader(unit_path)
    directory = os.path.dirname(dropin_path)
    unit_name = os.path.basename(directory)
    if not unit_name.endswith(".d"):
        return None, None
    unit_name = unit_name[:-2]
    candidates = [os.path.join(os.path.dirname(directory), unit_name)]
    candidates += [os.path.join(d, unit_name) for d in UNIT_DIRS]
    for candidate in candidates:
        text = reader(candidate)
        if text is not None:
            return candidate, text
    return None, None


def unit_files(
    request: DropinRequest, ours: UnitFile, reader: Reader, lister: Lister
) -> tuple[str | None, list[tuple[str, UnitFile, bool]]]:
    """The unit file and its drop-ins in systemd's order, as (path, parsed, is-our-drop-in).

    With ``request.dropin_paths`` (the layout systemd reports, or its search path rules:
    see _kubelet_layout.py) our drop-in joins those by file name; without, the drop-ins
    are those of our drop-in's own directory.
    """
    if request.dropin_paths is not None:
        unit_path = request.unit_path
        unit_text = reader(unit_path) if unit_path else None
        names = {os.path.basename(p): p for p in request.dropin_paths}
        names[os.path.basename(request.path)] = request.path
        paths = [names[n] for n in sorted(names)]
    else:
        unit_path, unit_text = find_unit(request.path, reader, request.unit_path)
        directory = os.path.dirname(request.path)
        own = os.path.basename(request.path)
        paths = [
            os.path.join(directory, n) for n in sorted({*lister(directory), own}) if n.endswith(".conf") or n == own
        ]
    files: list[tuple[str, UnitFile, bool]] = []
    if unit_text is not None and unit_path is not None:
        files.append((unit_path, _parse(unit_text, unit_path), False))
    for path in paths:
        if path == request.path:
            files.append((path, ours, True))
        else:
            files.append((path, _parse(reader(path), path), False))
    return unit_path, files


def _parse(text: str | None, path: str) -> UnitFile:
    try:
        return parse_unit(text or "", path)
    except UnitSyntaxError as exc:
        raise KubeletError(str(exc)) from exc


@dataclass
class _Scan:
    """What the [Service] sections say, in systemd's order, before the environment files are read."""

    env: dict[str, Holder] = field(default_factory=dict)
    env_files: list[tuple[str, bool]] = field(default_factory=list)
    execs: list[tuple[str, Line, bool]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def unit_name_of(files: list[tuple[str, UnitFile, bool]]) -> tuple[str, str | None]:
    """The unit's name (for specifiers) and its fragment path, from the first file of the list."""
    if not files:
        return "kubelet.service", None
    path = files[0][0]
    parent = os.path.basename(os.path.dirname(path))
    if parent.endswith(".d"):
        return parent[:-2], None
    return os.path.basename(path), path


def _variable(kind: str, path: str, lineno: int, *, name: str, value: str, editable: bool) -> Holder:
    """A holder for variable ``name``: its words as ``$NAME`` splits them (systemd.service(5))."""
    words = split_variable(value)
    return Holder(
        kind=kind,
        path=path,
        lineno=lineno,
        variable=name,
        words=[w.value for w in words],
        raw_words=[value[w.start : w.end] for w in words],
        editable=editable,
        value=value,
    )


def _scan_line(scan: _Scan, path: str, line: Line, ours: bool, specs: dict[str, str]) -> None:
    """Apply one [Service] line of ``path`` to ``scan`` as systemd's unit loader does."""
    if line.key == "Environment":
        assignments = parse_environment(line, path, specs, scan.warnings)
        if not line.value:  # systemd.exec(5): an empty Environment= resets the list
            scan.env.clear()
        for index, item in enumerate(assignments):
            holder = _variable(
                "dropin-env" if ours else "unit-env", path, line.lineno, name=item.name, value=item.value, editable=ours
            )
            holder.line, holder.index = line, index
            # an edit writes the words back as the file has them: specifiers unresolved (``%H`` stays ``%H``)
            written = split_variable(item.text)
            if len(written) == len(holder.words):
                holder.raw_words = [item.text[w.start : w.end] for w in written]
                holder.specifiers = True
            scan.env[item.name] = holder
    elif line.key == "EnvironmentFile":
        # systemd.exec(5): one file per line, "-" for an optional one, an empty value resets the list
        value = line.value.strip()
        if not value:
            scan.env_files.clear()
            return
        where = f"{path}: line {line.lineno}: EnvironmentFile=: "
        file_path = resolve_specifiers(value, specs, where)[0]
        optional = file_path.startswith("-")
        scan.env_files.append((file_path[1:] if optional else file_path, optional))
    elif line.key == "ExecStart":
        if parse_exec(line, path, specs) is None:
            scan.execs.clear()
        else:
            scan.execs.append((path, line, ours))


def _scan(files: list[tuple[str, UnitFile, bool]]) -> _Scan:
    name, fragment = unit_name_of(files)
    specs = unit_specifiers(name, fragment)
    scan = _Scan()
    for path, unit, ours in files:
        for line in unit.lines:
            if line.is_assignment and line.section == "Service":
                try:
                    _scan_line(scan, path, line, ours, specs)
                except UnitSyntaxError as exc:
                    raise KubeletError(str(exc)) from exc
    return scan


def _read_env_files(scan: _Scan, reader: Reader, editable: bool) -> list[str]:
    """Add the environment files' variables to ``scan.env``; return the missing required files.

    systemd.exec(5): "Settings from these files override settings made with
    Environment=. If the same variable is set twice from these files, the files
    will be read in the order they are specified and the later setting will
    override the earlier setting." (checked with systemd 252: a file read
    before an Environment= line still wins).
    """
    missing: list[str] = []
    for env_path, optional in scan.env_files:
        text = reader(env_path)
        if text is None:
            if not optional:
                missing.append(env_path)
            continue
        parsed = parse_env_file(text, env_path)
        scan.warnings += parsed.warnings
        for name, env_line in parsed.values().items():
            holder = _variable("envfile", env_path, env_line.lineno, name=name, value=env_line.value, editable=editable)
            holder.env_file = parsed
            scan.env[name] = holder
    return missing


def _the_exec(files: list[tuple[str, UnitFile, bool]], scan: _Scan) -> tuple[str, Line, bool, ExecCommand]:
    if not scan.execs:
        names = ", ".join(f[0] for f in files) or "(none)"
        raise KubeletError(f"no ExecStart= for the kubelet in {names}: cannot tell what command line runs")
    if len(scan.execs) > 1:
        where = ", ".join(f"{e[0]}: line {e[1].lineno}" for e in scan.execs)
        raise KubeletError(f"several ExecStart= without a reset (an empty ExecStart=) before them: {where}")
    path, line, ours = scan.execs[0]
    name, fragment = unit_name_of(files)
    command = parse_exec(line, path, unit_specifiers(name, fragment))
    if command is None:  # pragma: no cover - resets were dropped by _scan
        raise KubeletError(f"{path}: line {line.lineno}: empty ExecStart=")
    if command.unresolved:
        scan.warnings.append(
            f"{path}: line {line.lineno}: ExecStart= uses {', '.join(command.unresolved)}, which depend on the "
            "host: the effective command line shows them unresolved"
        )
    return path, line, ours, command


def build_command_line(
    files: list[tuple[str, UnitFile, bool]],
    reader: Reader,
    edit_environment_files: bool,
) -> CommandLine:
    """Rebuild the kubelet's argv from (path, parsed file, is-our-drop-in) in systemd's order."""
    scan = _scan(files)
    missing = _read_env_files(scan, reader, edit_environment_files)
    exec_path, exec_line, exec_ours, command = _the_exec(files, scan)
    literal = Holder(
        kind="exec" if exec_ours else "unit-exec",
        path=exec_path,
        lineno=exec_line.lineno,
        editable=exec_ours,
        line=exec_line,
    )
    cmd = CommandLine(
        binary=command.words[0].value,
        args=[],
        occurrences=[],
        holders=[literal],
        exec_line=exec_line,
        exec_path=exec_path,
        referenced=set(),
        env_sources=scan.env,
        env_files=scan.env_files,
        missing_env_files=missing,
        warnings=scan.warnings,
        exec_prefix=command.prefix,
    )
    _expand(cmd, command, literal)
    flags, cmd.positional = parse_flags(cmd.args)
    for flag in flags:
        sources = cmd.sources[flag.first : flag.last + 1]
        cmd.occurrences.append(Occurrence(flag.name, flag.value, sources[0].holder, flag.first, flag.last, sources))
    return cmd


def _expand(cmd: CommandLine, command: ExecCommand, literal: Holder) -> None:
    """The argv words of ``command`` at start (systemd.service(5) "Command lines"), with their sources.

    With the ``@`` prefix the word after the program is argv[0] (not an argument);
    with ``:`` no variable is substituted.

    ``$NAME`` as a whole word is the variable's value split at whitespace (no
    word when unset or blank); every other word stays one word, ``${NAME}``
    replaced in place (unset: by nothing), ``$$`` unescaped.
    """
    values = {name: holder.value for name, holder in cmd.env_sources.items()}
    substitute = ":" not in command.prefix  # systemd.service(5): ":" turns variable substitution off
    for index, word in enumerate(command.words[command.first_argument :]):
        literal.words.append(word.value)
        literal.raw_words.append(word.value)
        if not substitute:
            cmd.args.append(word.value)
            cmd.sources.append(Source(literal, index))
            continue
        cmd.referenced.update(references(word.value))
        var = variable_of(word.value)
        if var is None or not var[1]:
            cmd.args += expand_word(word.value, values)
            cmd.sources.append(Source(literal, index))
            continue
        cmd.split_references.add(var[0])
        holder = cmd.env_sources.get(var[0])
        if holder is None:
            continue
        if holder not in cmd.holders:
            cmd.holders.append(holder)
        cmd.args += holder.words
        cmd.sources += [Source(holder, j) for j in range(len(holder.words))]


def effective_flags(cmd: CommandLine) -> list[str]:
    return [render_flag(o.name, o.value) for o in cmd.occurrences]


class _Editor:
    """Word-level edits per holder, rendered back into the drop-in and environment files."""

    def __init__(self) -> None:
        self.new_words: dict[int, list[str | None]] = {}  # id(holder) -> raw words, None = removed
        self.holders: dict[int, Holder] = {}

    def words(self, holder: Holder) -> list[str | None]:
        key = id(holder)
        if key not in self.new_words:
            self.new_words[key] = list(holder.raw_words)
            self.holders[key] = holder
        return self.new_words[key]

    def remove(self, occ: Occurrence) -> None:
        """Remove every word of the flag: ``--flag VALUE`` loses its value word too, wherever it comes from."""
        for src in occ.sources:
            self.words(src.holder)[src.index] = None

    def replace(self, occ: Occurrence, rendered: list[str]) -> None:
        self.remove(occ)
        self.words(occ.holder)[occ.sources[0].index] = _written(occ.holder, " ".join(rendered))

    def add(self, holder: Holder, rendered: list[str]) -> None:
        self.words(holder).extend(_written(holder, word) for word in rendered)


def _written(holder: Holder, word: str) -> str:
    """A new word as ``holder``'s file writes it: ``%`` is ``%%`` where specifiers apply."""
    return word.replace("%", "%%") if holder.specifiers else word


def _requested(request: DropinRequest) -> tuple[dict[str, list[FlagValue]], list[str], dict[str, Version]]:
    """Validate the request: (wanted flags and their values, flags to remove, flags the version refuses)."""
    if not _ENV_NAME.match(request.variable):
        raise KubeletError(f"variable {request.variable!r} is not a valid environment variable name")
    wanted: dict[str, list[FlagValue]] = {}
    for raw_name, value in request.flags.items():
        name = normalize_flag_name(raw_name)
        if name in wanted:
            raise KubeletError(f"flag --{name} is given twice in flags")
        wanted[name] = desired_values(name, value)
    to_remove = [normalize_flag_name(n) for n in request.remove]
    both = sorted(set(wanted) & set(to_remove))
    if both:
        raise KubeletError(f"flag(s) {', '.join('--' + n for n in both)} both set and removed")
    unsupported = removed_flags(request.version) if request.version else {}
    for name in wanted:
        if name in unsupported:
            raise KubeletError(
                f"flag --{name} was removed in kubelet {version_text(unsupported[name])}; "
                f"kubelet {version_text(request.version or (0, 0, 0))} would refuse to start with it"
            )
    return wanted, to_remove, unsupported


def _unit_files(
    request: DropinRequest, reader: Reader, lister: Lister
) -> tuple[list[tuple[str, UnitFile, bool]], str | None, str | None]:
    """The unit and its drop-ins in systemd's order, ours marked: (files, our drop-in's text, unit path)."""
    dropin_text = reader(request.path)
    unit_path, files = unit_files(request, _parse(dropin_text, request.path), reader, lister)
    return files, dropin_text, unit_path


def _found(cmd: CommandLine, names: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "flag": o.name,
            "value": o.value,
            "path": o.holder.path,
            "line": o.holder.lineno,
            "variable": o.holder.variable or None,
        }
        for o in cmd.occurrences
        if o.name in names
    ]


@dataclass
class _Plan:
    """The word edits an edit_dropin() request makes, before anything is rendered."""

    editor: _Editor = field(default_factory=_Editor)
    remove_all: list[str] = field(default_factory=list)
    removed_unsupported: list[str] = field(default_factory=list)
    add_words: list[str] = field(default_factory=list)
    target_used: bool = False
    warnings: list[str] = field(default_factory=list)


def _plan_removals(
    plan: _Plan, request: DropinRequest, before: CommandLine, to_remove: list[str], unsupported: dict[str, Version]
) -> None:
    plan.remove_all = list(to_remove)
    deprecated = deprecated_flags(request.version) if request.version else {}
    for occ in before.occurrences:  # still accepted, soon refused: say where it is set
        if occ.name in deprecated and occ.name not in to_remove and request.version:
            plan.warnings.append(deprecation_warning(occ.name, request.version, occ.holder.describe()))
    present = sorted({o.name for o in before.occurrences if o.name in unsupported})
    if request.remove_unsupported:
        plan.removed_unsupported = present
        plan.remove_all += [name for name in present if name not in plan.remove_all]
    elif present:
        plan.warnings.append(
            f"flags that kubelet {version_text(request.version or (0, 0, 0))} no longer accepts are set: "
            + ", ".join("--" + b for b in present)
        )
    for name in plan.remove_all:
        for occ in before.occurrences:
            if occ.name != name:
                continue
            if not occ.editable:
                fixed = _fixed_part(occ)
                raise KubeletError(f"flag --{name} must be removed but is set in {fixed.describe()}, {_why(fixed)}")
            plan.editor.remove(occ)


def _target(before: CommandLine, variable: str) -> tuple[Holder | None, list[Occurrence]]:
    """Our variable's holder and the flags it holds that ExecStart= does not use yet."""
    target = before.env_sources.get(variable)
    if target is not None and not target.editable:
        raise KubeletError(
            f"variable {variable} is set in {target.describe()}, which this module may not edit "
            "(allow edit_environment_files or name another variable)"
        )
    if target is None or target in before.holders:
        return target, []
    flags = parse_flags(target.words)[0]
    sources = [Source(target, i) for i in range(len(target.words))]
    return target, [Occurrence(f.name, f.value, target, f.first, f.last, sources[f.first : f.last + 1]) for f in flags]


def _plan_flags(
    plan: _Plan,
    before: CommandLine,
    wanted: dict[str, list[FlagValue]],
    target: Holder | None,
    unused: list[Occurrence],
) -> None:
    """Put each wanted flag in place: leave it where it already is as asked, else move it into our variable."""
    for name, values in wanted.items():
        effective = [o for o in before.occurrences if o.name == name]
        if effective and same_values([o.value for o in effective], values):
            continue  # already exactly as asked, wherever it is: touching it would only move it (issue 10 item 5)
        occs = effective + [o for o in unused if o.name == name]
        fixed = [o for o in occs if not o.editable]
        if fixed:
            if same_values([o.value for o in fixed], values):
                for occ in occs:
                    if occ.editable:
                        plan.editor.remove(occ)
                continue
            where = "; ".join(f"{_fixed_part(o).describe()}: {render_flag(o.name, o.value)}" for o in fixed)
            raise KubeletError(
                f"flag --{name} is also set where this module may not edit it ({where}), {_why(_fixed_part(fixed[0]))}"
            )
        plan.target_used = True
        in_target = [o for o in occs if target is not None and o.holder is target]
        for occ in occs:
            plan.editor.remove(occ)
        rendered = [render_flag(name, v) for v in values]
        if in_target:
            plan.editor.replace(in_target[0], rendered)
        else:
            plan.add_words += rendered


def _fixed_part(occ: Occurrence) -> Holder:
    """The holder of the first word of ``occ`` this module may not edit (or the flag word's)."""
    return next((src.holder for src in occ.sources if not src.holder.editable), occ.holder)


def _check_reference(before: CommandLine, variable: str, plan: _Plan) -> None:
    if plan.target_used and ":" in before.exec_prefix:
        raise KubeletError(
            f"ExecStart= ({before.exec_path}: line {before.exec_line.lineno if before.exec_line else 0}) has the "
            f"':' prefix: systemd substitutes no variable there, so ${variable} cannot carry flags"
        )
    if plan.target_used and variable in before.referenced and variable not in before.split_references:
        raise KubeletError(
            f"ExecStart= ({before.exec_path}: line {before.exec_line.lineno if before.exec_line else 0}) uses "
            f"${{{variable}}}, which systemd passes as ONE argument whatever it holds; name a variable that "
            f"ExecStart= uses as a word of its own, ${variable}"
        )


def edit_dropin(request: DropinRequest, reader: Reader, lister: Lister) -> DropinResult:
    """Compute the new drop-in (and environment files) for ``request``; nothing is written here.

    ``reader(path)`` returns a file's text or None when it does not exist;
    ``lister(directory)`` returns the file names in a directory (empty if none).
    """
    wanted, to_remove, unsupported = _requested(request)
    files, dropin_text, unit_path = _unit_files(request, reader, lister)
    before = build_command_line(files, reader, request.edit_environment_files)
    plan = _Plan()
    plan.warnings = [f"EnvironmentFile {p} does not exist and has no '-' prefix" for p in before.missing_env_files]
    plan.warnings += before.warnings
    _plan_removals(plan, request, before, to_remove, unsupported)
    target, unused = _target(before, request.variable)
    _plan_flags(plan, before, wanted, target, unused)
    _check_reference(before, request.variable, plan)
    texts_after = _render_files(request, files, before, plan, target)
    texts_before: dict[str, str | None] = {p: dropin_text if p == request.path else reader(p) for p in texts_after}

    def reread(path: str) -> str | None:
        return texts_after[path] if path in texts_after else reader(path)

    files_after = [(p, _parse(texts_after[p], p) if o else u, o) for p, u, o in files]
    after = build_command_line(files_after, reread, request.edit_environment_files)
    _verify(before, after, wanted, plan.remove_all)
    return DropinResult(
        texts_before=texts_before,
        texts_after=texts_after,
        found=_found(before, {*wanted, *to_remove, *unsupported}),
        removed_unsupported=plan.removed_unsupported,
        effective_before=effective_flags(before),
        effective_after=effective_flags(after),
        conflicts=conflicts(after),
        warnings=plan.warnings,
        unit_path=unit_path,
        binary=after.binary,
        args_before=before.args,
        args_after=after.args,
    )


def _render_files(
    request: DropinRequest,
    files: list[tuple[str, UnitFile, bool]],
    before: CommandLine,
    plan: _Plan,
    target: Holder | None,
) -> dict[str, str]:
    """The new text of our drop-in (first) and of every environment file an edit touches."""
    new_variable_words: list[str] | None = None
    if target is not None and plan.add_words:
        plan.editor.add(target, plan.add_words)
    elif target is None and plan.add_words:
        new_variable_words = plan.add_words
    our_index = next(i for i, f in enumerate(files) if f[2])
    exec_index = next(i for i, f in enumerate(files) if f[0] == before.exec_path)
    texts_after = {
        request.path: _render_dropin(
            files[our_index][1],
            plan.editor,
            new_variable_words,
            request.variable,
            before,
            path=request.path,
            needs_reference=plan.target_used and request.variable not in before.split_references,
            exec_precedes=exec_index < our_index,
        )
    }
    for key, holder in plan.editor.holders.items():
        if holder.kind == "envfile" and holder.env_file is not None:
            texts_after[holder.path] = _render_env_file(holder, plan.editor.new_words[key], texts_after)
    return texts_after


def _verify(before: CommandLine, after: CommandLine, wanted: dict[str, list[FlagValue]], removed: list[str]) -> None:
    """Re-read the result: every requested flag exactly as asked, removed ones gone, no stray word left."""
    for name, values in wanted.items():
        got = [o.value for o in after.occurrences if o.name == name]
        if not same_values(got, values):
            raise KubeletError(f"internal error: after the edit --{name} is {got!r}, expected {values!r}")
    for name in removed:
        if any(o.name == name for o in after.occurrences):
            raise KubeletError(f"internal error: --{name} is still set after the edit")
    if len(after.positional) > len(before.positional):
        stray = [after.args[i] for i in after.positional]
        raise KubeletError(f"internal error: the edit leaves words that are no flag: {stray!r}")


def _why(holder: Holder) -> str:
    if holder.kind == "envfile":
        return "an environment file (edit_environment_files is false)"
    if holder.kind in ("unit-env", "unit-exec"):
        return "another unit file or drop-in"
    return "a place this module does not edit"


def conflicts(cmd: CommandLine) -> list[str]:
    """Flags set more than once with different values (the last one wins, silently)."""
    seen: dict[str, list[Occurrence]] = {}
    for occ in cmd.occurrences:
        seen.setdefault(occ.name, []).append(occ)
    out = []
    for name, occs in seen.items():
        values = {o.value for o in occs}
        if len(values) > 1:
            where = "; ".join(f"{o.holder.describe()}: {render_flag(name, o.value)}" for o in occs)
            out.append(f"--{name} is set {len(occs)} times with different values: {where}")
    return out


def _render_dropin(
    unit: UnitFile,
    editor: _Editor,
    new_variable_words: list[str] | None,
    variable: str,
    cmd: CommandLine,
    *,
    path: str,
    needs_reference: bool,
    exec_precedes: bool,
) -> str:
    """Render our drop-in with edited variables, removed ExecStart words and new lines."""
    out_lines = _edited_lines(unit, editor, path)
    new_exec = _add_reference(out_lines, unit, cmd, variable, path) if needs_reference else []
    if new_exec and not exec_precedes:
        lineno = cmd.exec_line.lineno if cmd.exec_line is not None else 0
        raise KubeletError(
            f"the kubelet's ExecStart= comes from {cmd.exec_path}: line {lineno}, a drop-in read after "
            f"{path}; ${variable} cannot be added from here (name a variable that ExecStart= references)"
        )
    new_env = render_env_line(variable, new_variable_words) if new_variable_words is not None else None
    if new_env is None and not new_exec:
        return "".join(out_lines)
    return _insert_lines(unit, out_lines, new_env, new_exec)


def _edited_lines(unit: UnitFile, editor: _Editor, path: str) -> list[str]:
    """The drop-in's lines, those holding edited words re-rendered, every other one as it was."""
    by_line: dict[int, list[tuple[Holder, list[str | None]]]] = {}
    for key, holder in editor.holders.items():
        if holder.line is not None and holder.kind in ("dropin-env", "exec"):
            by_line.setdefault(id(holder.line), []).append((holder, editor.new_words[key]))
    out_lines: list[str] = []
    for line in unit.lines:
        edits = by_line.get(id(line))
        if not edits:
            out_lines.append(line.raw)
        elif line.key == "ExecStart":
            out_lines.append(_edit_exec_words(line, edits[0][1], path))
        else:
            assignments = parse_environment(line, path, None, [])
            raw = line.raw
            # spans point into the original text: replace from the last one backwards
            for holder, words in sorted(edits, key=lambda e: -e[0].index):
                item = assignments[holder.index]
                value = " ".join(w for w in words if w is not None)
                rendered = render_env_assignment(holder.variable, value, specifiers=holder.specifiers)
                raw = raw[: item.start] + rendered + raw[item.end :]
            out_lines.append(raw)
    return out_lines


def _add_reference(out_lines: list[str], unit: UnitFile, cmd: CommandLine, variable: str, path: str) -> list[str]:
    """Append ``$variable`` to our ExecStart=, or return the lines that copy the unit's one (with it) here."""
    exec_here = [i for i, ln in enumerate(unit.lines) if ln is cmd.exec_line]
    if exec_here:
        physical = out_lines[exec_here[0]].splitlines(keepends=True)
        last = _last_content_line(physical)  # not a comment line inside the continuation
        body = physical[last].rstrip("\r\n")
        physical[last] = f"{body} ${variable}{physical[last][len(body) :]}"
        out_lines[exec_here[0]] = "".join(physical)
        return []
    if cmd.exec_line is None:  # pragma: no cover - build_command_line refuses a unit without ExecStart=
        raise KubeletError(f"{path}: no ExecStart= to add ${variable} to")
    return ["ExecStart=\n", f"ExecStart={cmd.exec_line.raw_value.strip()} ${variable}\n"]


def _insert_lines(unit: UnitFile, out_lines: list[str], new_env: str | None, new_exec: list[str]) -> str:
    """Insert a new Environment= after the last one (or before ExecStart=) and new ExecStart= lines last."""
    service_idx = [i for i, ln in enumerate(unit.lines) if ln.section == "Service"]
    if not service_idx:
        text = "".join(out_lines)
        if text and not text.endswith("\n"):
            text += "\n"
        if text:
            text += "\n"
        return text + "[Service]\n" + (new_env or "") + "".join(new_exec)
    header = service_idx[0]
    env_like = [i for i in service_idx if unit.lines[i].key in ("Environment", "EnvironmentFile")]
    exec_like = [i for i in service_idx if unit.lines[i].key == "ExecStart"]
    assigns = [i for i in service_idx if unit.lines[i].is_assignment]
    inserts: dict[int, list[str]] = {}
    if new_env is not None:
        if env_like:
            at = env_like[-1] + 1
        elif exec_like:
            at = exec_like[0]
        else:
            at = (assigns[-1] if assigns else header) + 1
        inserts.setdefault(at, []).append(new_env)
    if new_exec:
        inserts.setdefault((assigns[-1] if assigns else header) + 1, []).extend(new_exec)
    result: list[str] = []
    for i in range(len(out_lines) + 1):
        for text in inserts.get(i, []):
            if result and not result[-1].endswith("\n"):
                result[-1] += "\n"
            result.append(text)
        if i < len(out_lines):
            result.append(out_lines[i])
    return "".join(result)


def render_env_line(variable: str, words: list[str]) -> str:
    return f"Environment={render_env_assignment(variable, ' '.join(words))}\n"


def _edit_exec_words(line: Line, words: list[str | None], path: str) -> str:
    """Drop the removed words from an ExecStart= line, keeping the rest of its bytes."""
    command = parse_exec(line, path)
    if command is None:  # pragma: no cover - only called for a command line with words
        return line.raw
    raw = line.raw
    first = command.first_argument
    for index in reversed(range(len(words))):
        if words[index] is None:
            word = command.words[first + index]
            raw = raw[: _cut_from(raw, command.words[first + index - 1].end, word.start)] + raw[word.end :]
    return _tidy_continuation(raw)


def _last_content_line(physical: list[str]) -> int:
    return max(i for i, text in enumerate(physical) if i == 0 or not _is_comment_line(text))


def _tidy_continuation(raw: str) -> str:
    """After removing words: drop continuation lines left blank, and end the line where its words end.

    A backslash left on the last line with words would make systemd append the
    next line of the file (after any comment lines) to the command line.
    """
    physical = raw.splitlines(keepends=True)
    kept = physical[:1] + [p for p in physical[1:] if p.strip(" \t\r\n\\") or _is_comment_line(p)]
    last = _last_content_line(kept)
    body = kept[last].rstrip("\r\n")
    if body.rstrip(" \t").endswith("\\"):
        kept[last] = body.rstrip(" \t")[:-1].rstrip(" \t") + kept[last][len(body) :]
    return "".join(kept)


def _cut_from(raw: str, prev_end: int, start: int) -> int:
    """Where removing a word that starts at ``start`` begins: right after the previous word when only
    blanks and continuations separate them (so a word alone on its line takes the line with it), else
    at the blanks before it on its own line (comment lines in between stay)."""
    gap = raw[prev_end:start]
    if not any(_is_comment_line(part) for part in gap.split("\n")[1:]):
        return prev_end
    begin = start
    while begin > 0 and raw[begin - 1] in " \t":
        begin -= 1
    return begin


def _is_comment_line(text: str) -> bool:
    return text.lstrip(" \t")[:1] in ("#", ";")


def _render_env_file(holder: Holder, words: list[str | None], done: dict[str, str]) -> str:
    """Rewrite the assignment of ``holder.variable`` that wins in its environment file."""
    env = parse_env_file(done[holder.path], holder.path) if holder.path in done else holder.env_file
    if env is None:  # pragma: no cover - only environment-file holders come here
        raise KubeletError(f"{holder.path}: not an environment file")
    winner = env.values()[holder.variable]
    value = " ".join(w for w in words if w is not None)
    return "".join(render_env_file_line(ln.name, value, ln.quote) if ln is winner else ln.raw for ln in env.lines)
