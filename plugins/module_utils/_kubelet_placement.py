# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a kubelet flag edit on a node's real unit layout, then run the drop-in editor on it.

1. The layout (fragment and effective drop-ins, from systemd or its search path:
   _kubelet_layout.py) gives the kubelet's command line before the edit.
2. The placement: ``KUBELET_EXTRA_ARGS`` in the packagers' environment file when
   the effective unit sources one and passes that variable to the kubelet;
   otherwise a variable of our own in a drop-in of our own name. An explicit
   ``path`` keeps the classic behaviour (that drop-in, that variable).
3. Seeds (meaning-preserving starting texts, see _kubelet_layout.py) make
   the occurrences we must change editable: a variable of a packaged drop-in is
   re-assigned in ours, the effective ``ExecStart=`` copied into ours.
4. The editor (_kubelet_dropin.edit_dropin) computes the new texts; a seed that
   the edit did not need is dropped again, and a drop-in we would write is
   checked not to mask, or be masked by, a same-named one.

Nothing here imports Ansible: files are read through callables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._kubelet import (
    FlagValue,
    KubeletError,
    Version,
    desired_values,
    normalize_flag_name,
    removed_flags,
    same_values,
    version_text,
)
from ._kubelet_dropin import (
    CommandLine,
    DropinRequest,
    DropinResult,
    Occurrence,
    build_command_line,
    edit_dropin,
    unit_files,
)
from ._kubelet_layout import (
    EXTENSION_VARIABLE,
    OWN_DROPIN_NAME,
    OWN_VARIABLE,
    NodeFiles,
    Placement,
    Reader,
    UnitLayout,
    check_no_masking,
    choose_extension_file,
    env_override_line,
    exec_copy_lines,
    own_dropin_path,
    seed_dropin_lines,
    seed_env_assignment,
)
from ._systemd_unit import UnitSyntaxError, parse_unit


@dataclass
class EditSpec:
    """What the caller asks for (the module's options)."""

    flags: Mapping[str, Any] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    path: str | None = None
    variable: str | None = None
    dropin_name: str = OWN_DROPIN_NAME
    edit_environment_files: bool = True
    version: Version | None = None
    remove_unsupported: bool = True


@dataclass
class PlannedEdit:
    result: DropinResult
    placement: Placement
    argv_before: list[str] = field(default_factory=list)  # the kubelet's argv as systemd will build it
    argv_after: list[str] = field(default_factory=list)


def _before(layout: UnitLayout, our_path: str, reader: Reader, spec: EditSpec) -> tuple[CommandLine, list[str]]:
    """The command line before the edit, and the file order (our drop-in joined by name)."""
    probe = DropinRequest(path=our_path, unit_path=layout.fragment_path, dropin_paths=layout.dropin_paths)
    try:
        ours = parse_unit(reader(our_path) or "", our_path)
    except UnitSyntaxError as exc:
        raise KubeletError(str(exc)) from exc
    files = unit_files(probe, ours, reader, lambda _d: [])[1]
    cmd = build_command_line(files, reader, spec.edit_environment_files)
    return cmd, [f[0] for f in files]


def _wanted(spec: EditSpec) -> tuple[dict[str, list[FlagValue]], set[str]]:
    wanted = {normalize_flag_name(n): desired_values(normalize_flag_name(n), v) for n, v in spec.flags.items()}
    removals = {normalize_flag_name(n) for n in spec.remove}
    if spec.version is not None:
        gone = removed_flags(spec.version)
        for name in wanted:
            if name in gone:
                raise KubeletError(
                    f"flag --{name} was removed in kubelet {version_text(gone[name])}; "
                    f"kubelet {version_text(spec.version)} would refuse to start with it"
                )
        if spec.remove_unsupported:
            removals |= set(gone)
    return wanted, removals


def _to_change(cmd: CommandLine, wanted: Mapping[str, list[FlagValue]], removals: set[str]) -> list[Occurrence]:
    """Occurrences in places the editor may not touch that the edit must change."""
    out = []
    for occ in cmd.occurrences:
        if occ.holder.editable:
            continue
        if occ.name in removals:
            out.append(occ)
        elif occ.name in wanted:
            fixed = [o.value for o in cmd.occurrences if o.name == occ.name and not o.holder.editable]
            if not same_values(fixed, wanted[occ.name]):
                out.append(occ)
    return out


def plan_placement(layout: UnitLayout, reader: Reader, exists: Callable[[str], bool], spec: EditSpec) -> Placement:
    """Decide the file and variable for the edit, and the seeds that make it possible."""
    if layout.fragment_path is None:
        raise KubeletError(
            f"{layout.unit}: no unit file found ({layout.source}: {', '.join(layout.load_path)}); "
            "is the kubelet installed?"
        )
    our_path = spec.path or own_dropin_path(layout.unit, spec.dropin_name)
    wanted, removals = _wanted(spec)  # bad input is reported before anything is read
    cmd, order = _before(layout, our_path, reader, spec)
    placement = _choose(cmd, our_path, reader, exists, spec)
    if not wanted and not removals:
        placement.seeds = {}
        return placement
    lines: list[str] = []
    overridden: set[str] = set()
    copied = False
    ours_at = order.index(our_path)
    for occ in _to_change(cmd, wanted, removals):
        holder = occ.holder
        if holder.path not in order or order.index(holder.path) > ours_at:
            continue  # a later file wins over ours: the editor reports it
        if holder.kind == "unit-env" and holder.variable not in overridden and holder.variable != placement.variable:
            overridden.add(holder.variable)
            lines.append(env_override_line(holder.variable, holder.words))
        elif holder.kind == "unit-exec" and not copied and cmd.exec_line is not None:
            copied = True
            lines += exec_copy_lines(cmd.exec_line.value)
    if lines:
        placement.seeds[our_path] = seed_dropin_lines(reader(our_path), lines)
    return placement


def _choose(
    cmd: CommandLine, our_path: str, reader: Reader, exists: Callable[[str], bool], spec: EditSpec
) -> Placement:
    if spec.path is None and spec.variable in (None, EXTENSION_VARIABLE) and spec.edit_environment_files:
        holder = cmd.env_sources.get(EXTENSION_VARIABLE)
        setter = holder.path if holder is not None and holder.kind == "envfile" else None
        extension = None
        if EXTENSION_VARIABLE in cmd.referenced:
            extension = choose_extension_file([p for p, _optional in cmd.env_files], setter, exists)
        if extension is not None:
            placement = Placement(
                path=our_path,
                variable=EXTENSION_VARIABLE,
                kind="environment-file",
                target=extension,
                reason=f"the unit sources {extension} and passes ${EXTENSION_VARIABLE} to the kubelet "
                "(the packagers' extension point)",
            )
            if setter is None:
                words = holder.words if holder is not None else []
                placement.seeds[extension] = seed_env_assignment(reader(extension), EXTENSION_VARIABLE, words)
            return placement
    variable = spec.variable or OWN_VARIABLE
    holder = cmd.env_sources.get(variable)
    if holder is not None and holder.kind == "envfile":
        return Placement(our_path, variable, "environment-file", holder.path, reason=f"{holder.path} sets {variable}")
    reason = "the path given" if spec.path else "no extension point (KUBELET_EXTRA_ARGS in /etc/default/kubelet or "
    if not spec.path:
        reason += "/etc/sysconfig/kubelet, sourced by the unit) exists: a drop-in of our own, after kubeadm's"
    return Placement(our_path, variable, "drop-in", our_path, reason=reason)


def run_edit(layout: UnitLayout, spec: EditSpec, node: NodeFiles) -> PlannedEdit:
    """Plan, seed, edit; the texts of the result are the disk's (before) and the new ones (after)."""
    reader = node.read
    placement = plan_placement(layout, reader, node.exists, spec)
    seeds = placement.seeds

    def seeded(path: str) -> str | None:
        return seeds[path] if path in seeds else reader(path)

    request = DropinRequest(
        path=placement.path,
        variable=placement.variable,
        flags=spec.flags,
        remove=spec.remove,
        edit_environment_files=spec.edit_environment_files,
        version=spec.version,
        remove_unsupported=spec.remove_unsupported,
        unit_path=layout.fragment_path,
        dropin_paths=layout.dropin_paths,
    )
    result = edit_dropin(request, seeded, node.listdir)
    for path, seed in seeds.items():
        real = reader(path)
        result.texts_before[path] = real
        if path in result.texts_after and result.texts_after[path] == seed:
            result.texts_after[path] = real or ""  # the seed alone changes nothing: do not write it
    if placement.path in result.changed_paths:
        check_no_masking(placement.path, layout.unit, node.listdir, layout.load_path, node.realpath)

    def argv(texts: Mapping[str, str]) -> list[str]:
        cmd = _before(layout, placement.path, lambda p: texts[p] if p in texts else reader(p), spec)[0]
        return [cmd.binary, *cmd.args]

    return PlannedEdit(result, placement, argv({}), argv(result.texts_after))
