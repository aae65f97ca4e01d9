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
    Line,
    UnitFile,
    UnitSyntaxError,
    parse_env_file,
    parse_environment,
    parse_exec,
    parse_unit,
    references,
    render_env_assignment,
    render_env_file_line,
    split_words,
    variable_of,
)

Reader = Callable[[str], "str | None"]
Lister = Callable[[str], list[str]]
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
UNIT_DIRS = UNIT_LOAD_PATH


@dataclass
class Holder:
    """A place that holds command-line words: a variable or the literal words of ExecStart."""

    kind: str  # "dropin-env", "envfile", "exec", "unit-env", "unit-exec"
    path: str
    lineno: int
    variable: str = ""
    words: list[str] = field(default_factory=list)
    editable: bool = False
    line: Line | None = None  # drop-in line (Environment= or ExecStart=)
    index: int = -1  # assignment index within an Environment= line
    env_file: EnvFile | None = None

    def describe(self) -> str:
        what = f"variable {self.variable}" if self.variable else "ExecStart="
        return f"{self.path}: line {self.lineno} ({what})"


@dataclass
class Occurrence:
    name: str
    value: FlagValue
    holder: Holder
    first: int
    last: int


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


def build_command_line(  # noqa: PLR0915 - one pass over systemd's merge rules reads best in one place
    files: list[tuple[str, UnitFile, bool]],
    reader: Reader,
    edit_environment_files: bool,
) -> CommandLine:
    """Rebuild the effective command line from (path, parsed file, is-our-drop-in) in systemd's order."""
    env: dict[str, Holder] = {}
    env_files: list[tuple[str, bool]] = []
    execs: list[tuple[str, Line, bool]] = []
    for path, unit, ours in files:
        for line in unit.lines:
            if not line.is_assignment or line.section != "Service":
                continue
            try:
                if line.key == "Environment":
                    assignments = parse_environment(line, path)
                    if not assignments:
                        env.clear()
                    for index, item in enumerate(assignments):
                        env[item.name] = Holder(
                            kind="dropin-env" if ours else "unit-env",
                            path=path,
                            lineno=line.lineno,
                            variable=item.name,
                            words=[w.value for w in split_words(item.value, f"{path}: line {line.lineno}: ")],
                            editable=ours,
                            line=line,
                            index=index,
                        )
                elif line.key == "EnvironmentFile":
                    words = split_words(line.value, f"{path}: line {line.lineno}: EnvironmentFile=: ")
                    if not words:
                        env_files.clear()
                    for word in words:
                        optional = word.value.startswith("-")
                        env_files.append((word.value[1:] if optional else word.value, optional))
                elif line.key == "ExecStart":
                    if parse_exec(line, path) is None:
                        execs.clear()
                    else:
                        execs.append((path, line, ours))
            except UnitSyntaxError as exc:
                raise KubeletError(str(exc)) from exc
    missing: list[str] = []
    for env_path, optional in env_files:
        text = reader(env_path)
        if text is None:
            if not optional:
                missing.append(env_path)
            continue
        try:
            parsed = parse_env_file(text, env_path)
        except UnitSyntaxError as exc:
            raise KubeletError(str(exc)) from exc
        for name, env_line in parsed.values().items():
            try:
                values = [w.value for w in split_words(env_line.value, f"{env_path}: line {env_line.lineno}: ")]
            except UnitSyntaxError as exc:
                raise KubeletError(str(exc)) from exc
            env[name] = Holder(
                kind="envfile",
                path=env_path,
                lineno=env_line.lineno,
                variable=name,
                words=values,
                editable=edit_environment_files,
                env_file=parsed,
            )
    if not execs:
        names = ", ".join(f[0] for f in files) or "(none)"
        raise KubeletError(f"no ExecStart= for the kubelet in {names}: cannot tell what command line runs")
    if len(execs) > 1:
        where = ", ".join(f"{e[0]}: line {e[1].lineno}" for e in execs)
        raise KubeletError(f"several ExecStart= without a reset (an empty ExecStart=) before them: {where}")
    exec_path, exec_line, exec_ours = execs[0]
    command = parse_exec(exec_line, exec_path)
    if command is None:  # pragma: no cover - resets were dropped above
        raise KubeletError(f"{exec_path}: line {exec_line.lineno}: empty ExecStart=")
    literal = Holder(
        kind="exec" if exec_ours else "unit-exec",
        path=exec_path,
        lineno=exec_line.lineno,
        editable=exec_ours,
        line=exec_line,
    )
    args: list[str] = []
    sources: list[tuple[Holder, int]] = []
    referenced: set[str] = set()
    holders: list[Holder] = [literal]
    for word in command.words[1:]:
        referenced.update(references(word.value))
        var = variable_of(word.value)
        if var is None:
            text = word.value
            for name in references(text):
                value = " ".join(env[name].words) if name in env else ""
                text = text.replace("${" + name + "}", value)
            literal.words.append(text)
            args.append(text)
            sources.append((literal, len(literal.words) - 1))
            continue
        name, split = var
        holder = env.get(name)
        if holder is None:
            continue
        if holder not in holders:
            holders.append(holder)
        if split:
            for index, value in enumerate(holder.words):
                args.append(value)
                sources.append((holder, index))
        else:
            args.append(" ".join(holder.words))
            sources.append((holder, -1))
    occurrences: list[Occurrence] = []
    for holder in holders:
        flags = parse_flags(holder.words)[0]
        for flag in flags:
            occurrences.append(Occurrence(flag.name, flag.value, holder, flag.first, flag.last))
    # keep the order of the command line: holders appear in the order ExecStart references them
    order = {id(src[0]): i for i, src in reversed(list(enumerate(sources)))}
    occurrences.sort(key=lambda o: (order.get(id(o.holder), len(sources)), o.first))
    return CommandLine(
        binary=command.words[0].value,
        args=args,
        occurrences=occurrences,
        holders=holders,
        exec_line=exec_line,
        exec_path=exec_path,
        referenced=referenced,
        env_sources=env,
        env_files=env_files,
        missing_env_files=missing,
    )


def effective_flags(cmd: CommandLine) -> list[str]:
    return [render_flag(o.name, o.value) for o in cmd.occurrences]


class _Editor:
    """Word-level edits per holder, rendered back into the drop-in and environment files."""

    def __init__(self) -> None:
        self.new_words: dict[int, list[str | None]] = {}  # id(holder) -> words, None = removed
        self.holders: dict[int, Holder] = {}

    def words(self, holder: Holder) -> list[str | None]:
        key = id(holder)
        if key not in self.new_words:
            self.new_words[key] = list(holder.words)
            self.holders[key] = holder
        return self.new_words[key]

    def remove(self, occ: Occurrence) -> None:
        words = self.words(occ.holder)
        for i in range(occ.first, occ.last + 1):
            words[i] = None

    def replace(self, occ: Occurrence, rendered: list[str]) -> None:
        words = self.words(occ.holder)
        for i in range(occ.first, occ.last + 1):
            words[i] = None
        words[occ.first] = " ".join(rendered)


def edit_dropin(request: DropinRequest, reader: Reader, lister: Lister) -> DropinResult:  # noqa: PLR0915
    """Compute the new drop-in (and environment files) for ``request``; nothing is written here.

    ``reader(path)`` returns a file's text or None when it does not exist;
    ``lister(directory)`` returns the file names in a directory (empty if none).
    """
    variable = request.variable
    if not _ENV_NAME.match(variable):
        raise KubeletError(f"variable {variable!r} is not a valid environment variable name")
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

    dropin_text = reader(request.path)
    ours = _parse(dropin_text, request.path)
    unit_path, files = unit_files(request, ours, reader, lister)
    our_index = next(i for i, f in enumerate(files) if f[2])

    before = build_command_line(files, reader, request.edit_environment_files)
    found = [
        {
            "flag": o.name,
            "value": o.value,
            "path": o.holder.path,
            "line": o.holder.lineno,
            "variable": o.holder.variable or None,
        }
        for o in before.occurrences
        if o.name in wanted or o.name in to_remove or o.name in unsupported
    ]

    editor = _Editor()
    warnings = [f"EnvironmentFile {p} does not exist and has no '-' prefix" for p in before.missing_env_files]
    removed_found: list[str] = []
    remove_all = list(to_remove)
    present_unsupported = sorted({o.name for o in before.occurrences if o.name in unsupported})
    if request.remove_unsupported:
        for name in present_unsupported:
            removed_found.append(name)
            if name not in remove_all:
                remove_all.append(name)
    elif present_unsupported:
        warnings.append(
            f"flags that kubelet {version_text(request.version or (0, 0, 0))} no longer accepts are set: "
            + ", ".join("--" + b for b in present_unsupported)
        )

    for name in remove_all:
        for occ in before.occurrences:
            if occ.name != name:
                continue
            if not occ.holder.editable:
                raise KubeletError(f"flag --{name} must be removed but is set in {occ.holder.describe()}, {_why(occ)}")
            editor.remove(occ)

    target = before.env_sources.get(variable)
    if target is not None and not target.editable:
        raise KubeletError(
            f"variable {variable} is set in {target.describe()}, which this module may not edit "
            "(allow edit_environment_files or name another variable)"
        )
    occurrences = list(before.occurrences)
    if target is not None and target not in before.holders:
        # our variable exists but ExecStart does not use it yet: its flags count as well
        flags = parse_flags(target.words)[0]
        occurrences += [Occurrence(f.name, f.value, target, f.first, f.last) for f in flags]
    target_used = False
    add_words: list[str] = []
    for name, values in wanted.items():
        occs = [o for o in occurrences if o.name == name]
        fixed = [o for o in occs if not o.holder.editable]
        if fixed:
            if same_values([o.value for o in fixed], values):
                for occ in occs:
                    if occ.holder.editable:
                        editor.remove(occ)
                continue
            where = "; ".join(f"{o.holder.describe()}: {render_flag(o.name, o.value)}" for o in fixed)
            raise KubeletError(
                f"flag --{name} is also set where this module may not edit it ({where}), {_why(fixed[0])}"
            )
        target_used = True
        in_target = [o for o in occs if target is not None and o.holder is target]
        if in_target and len(in_target) == len(occs) and same_values([o.value for o in occs], values):
            continue  # already exactly right, in our variable
        for occ in occs:
            editor.remove(occ)
        rendered = [render_flag(name, v) for v in values]
        if in_target:
            editor.replace(in_target[0], rendered)
        else:
            add_words += rendered
    new_variable_words: list[str] | None = None
    if target is not None and add_words:
        editor.words(target).extend(add_words)
    elif target is None and add_words:
        new_variable_words = add_words

    exec_index = next(i for i, f in enumerate(files) if f[0] == before.exec_path)
    needs_reference = target_used and variable not in before.referenced
    after_dropin = _render_dropin(
        ours,
        editor,
        new_variable_words,
        variable,
        before,
        path=request.path,
        needs_reference=needs_reference,
        exec_precedes=exec_index < our_index,
    )
    texts_after: dict[str, str] = {request.path: after_dropin}
    for key, holder in editor.holders.items():
        if holder.kind == "envfile" and holder.env_file is not None:
            texts_after[holder.path] = _render_env_file(holder, editor.new_words[key], texts_after)
    texts_before: dict[str, str | None] = {request.path: dropin_text}
    for path in texts_after:
        if path != request.path:
            texts_before[path] = reader(path)

    def reread(path: str) -> str | None:
        return texts_after[path] if path in texts_after else reader(path)

    files_after = [(p, _parse(after_dropin, p) if o else u, o) for p, u, o in files]
    after = build_command_line(files_after, reread, request.edit_environment_files)
    for name, values in wanted.items():
        got = [o.value for o in after.occurrences if o.name == name]
        if not same_values(got, values):
            raise KubeletError(f"internal error: after the edit --{name} is {got!r}, expected {values!r}")
    for name in remove_all:
        if any(o.name == name for o in after.occurrences):
            raise KubeletError(f"internal error: --{name} is still set after the edit")
    return DropinResult(
        texts_before=texts_before,
        texts_after=texts_after,
        found=found,
        removed_unsupported=removed_found,
        effective_before=effective_flags(before),
        effective_after=effective_flags(after),
        conflicts=conflicts(after),
        warnings=warnings,
        unit_path=unit_path,
        binary=after.binary,
    )


def _why(occ: Occurrence) -> str:
    if occ.holder.kind == "envfile":
        return "an environment file (edit_environment_files is false)"
    if occ.holder.kind in ("unit-env", "unit-exec"):
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


def _render_dropin(  # noqa: PLR0915
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
            assignments = parse_environment(line, path)
            raw = line.raw
            # spans point into the original text: replace from the last one backwards
            for holder, words in sorted(edits, key=lambda e: -e[0].index):
                item = assignments[holder.index]
                value = " ".join(w for w in words if w is not None)
                raw = raw[: item.start] + render_env_assignment(holder.variable, value) + raw[item.end :]
            out_lines.append(raw)

    new_exec: list[str] = []
    if needs_reference:
        exec_here = [i for i, ln in enumerate(unit.lines) if ln is cmd.exec_line]
        if exec_here:
            idx = exec_here[0]
            raw = out_lines[idx]
            body = raw.rstrip("\n")
            out_lines[idx] = f"{body} ${variable}{raw[len(body) :]}"
        elif cmd.exec_line is not None and exec_precedes:
            new_exec = ["ExecStart=\n", f"ExecStart={cmd.exec_line.value.strip()} ${variable}\n"]
        else:
            lineno = cmd.exec_line.lineno if cmd.exec_line is not None else 0
            raise KubeletError(
                f"the kubelet's ExecStart= comes from {cmd.exec_path}: line {lineno}, a drop-in read after "
                f"{path}; ${variable} cannot be added from here (name a variable that ExecStart= references)"
            )
    new_env = render_env_line(variable, new_variable_words) if new_variable_words is not None else None
    if new_env is None and not new_exec:
        return "".join(out_lines)

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
    """Drop the removed literal words from an ExecStart= line, keeping the rest of its bytes."""
    command = parse_exec(line, path)
    if command is None:  # pragma: no cover - only called for a command line with words
        return line.raw
    raw = line.raw
    # literal words are ExecStart words after the binary that are not variable references
    literal_words = [w for w in command.words[1:] if variable_of(w.value) is None]
    for word, new in reversed(list(zip(literal_words, words))):  # noqa: B905 - same length by construction
        if new is None:
            prev_end = command.words[command.words.index(word) - 1].end
            raw = raw[:prev_end] + raw[word.end :]
        elif new != word.value:
            raw = raw[: word.start] + new + raw[word.end :]
    return raw


def _render_env_file(holder: Holder, words: list[str | None], done: dict[str, str]) -> str:
    """Rewrite the assignment of ``holder.variable`` that wins in its environment file."""
    env = parse_env_file(done[holder.path], holder.path) if holder.path in done else holder.env_file
    if env is None:  # pragma: no cover - only environment-file holders come here
        raise KubeletError(f"{holder.path}: not an environment file")
    winner = env.values()[holder.variable]
    value = " ".join(w for w in words if w is not None)
    return "".join(render_env_file_line(ln.name, value, ln.quote) if ln is winner else ln.raw for ln in env.lines)
