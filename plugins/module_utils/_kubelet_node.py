# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubelet_dropin module's run on a node: find the unit's files, plan the edit, write it through _files.

1. The layout: the unit's fragment and drop-ins as ``systemctl show`` reports
   them when systemd runs, else by its search path rules (_kubelet_layout.py).
2. The kubelet version (asked, or from ``<ExecStart binary> --version``) decides
   which flags it still accepts; with a version found, the edit is planned again.
3. The plan (_kubelet_placement.run_edit) gives every file's new text; the
   environment files are written before the drop-in that stops setting a flag.

Nothing here imports Ansible: the module is used through a small protocol.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import _files
from ._kubelet import KubeletError, Version, check_runtime_pair, parse_version, version_text
from ._kubelet_layout import (
    NodeFiles,
    UnitLayout,
    load_path_with,
    masking_warnings,
    parse_systemctl_show,
    search_layout,
    systemctl_layout,
    unit_name,
)
from ._kubelet_placement import EditSpec, PlannedEdit, run_edit


class ModuleLike(_files.ModuleLike, Protocol):
    def get_bin_path(self, arg: str, required: bool = False, opt_dirs: list[str] | None = None) -> str | None: ...


@dataclass
class Outcome:
    result: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _read(path: str) -> str | None:
    current = _files.read_current(path, follow=True)
    return _files.decode(current.data, current.path) if current.exists else None


def _list(directory: str) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


NODE = NodeFiles(read=_read, listdir=_list, exists=os.path.exists, realpath=os.path.realpath)


def _unit(params: dict[str, Any]) -> str:
    path = params["path"]
    directory = os.path.basename(os.path.dirname(path)) if path else ""
    return unit_name(directory[:-2] if directory.endswith(".d") else params["unit"])


def layout_of(module: ModuleLike) -> UnitLayout:
    """The unit's fragment and drop-ins as systemd reports them, or by its search path rules."""
    params = module.params
    unit = _unit(params)
    load_path = load_path_with(params["path"])
    layout = None
    systemctl = module.get_bin_path("systemctl")
    # sd_booted(3): systemd runs when /run/systemd/system exists
    if systemctl and os.path.isdir("/run/systemd/system"):
        props = ["FragmentPath", "DropInPaths", "NeedDaemonReload", "LoadState"]
        rc, out, _err = module.run_command([systemctl, "show", unit] + [a for p in props for a in ("-p", p)])
        if rc == 0:
            layout = systemctl_layout(unit, parse_systemctl_show(out), load_path)
    if layout is None:
        layout = search_layout(unit, _list, os.path.exists, load_path, os.path.realpath)
    if params["unit_path"]:
        layout.fragment_path = params["unit_path"]
    return layout


def binary_version(module: ModuleLike, binary: str | None) -> Version | None:
    """``binary --version`` when it is an executable file; None when there is none."""
    if binary and os.path.isfile(binary) and os.access(binary, os.X_OK):
        rc, out, err = module.run_command([binary, "--version"])
        if rc != 0:
            raise KubeletError(f"{binary} --version failed (rc={rc}): {(err or out).strip()}")
        return parse_version(out)
    return None


def containerd_version_of(module: ModuleLike) -> Version | None:
    """``containerd_version``, else what ``containerd_binary --version`` says (None: none given or installed)."""
    params = module.params
    if params.get("containerd_version"):
        return parse_version(params["containerd_version"], "containerd")
    binary = params.get("containerd_binary")
    if not binary:
        return None
    path = binary if "/" in binary else module.get_bin_path(binary)
    if not path or not os.access(path, os.X_OK):
        return None
    rc, out, err = module.run_command([path, "--version"])
    if rc != 0:
        raise KubeletError(f"{path} --version failed (rc={rc}): {(err or out).strip()}")
    return parse_version(out, "containerd")


def _spec(params: dict[str, Any], version: Version | None) -> EditSpec:
    return EditSpec(
        flags=params["flags"],
        remove=params["remove"],
        path=params["path"],
        variable=params["variable"],
        dropin_name=params["dropin_name"],
        edit_environment_files=params["edit_environment_files"],
        version=version,
        remove_unsupported=params["remove_unsupported"],
    )


def run(module: ModuleLike, diff_mode: bool) -> Outcome:
    """One module call: plan the edit on the node's layout, write the changed files, report."""
    params = module.params
    layout = layout_of(module)
    version = parse_version(params["kubelet_version"]) if params["kubelet_version"] else None
    planned = run_edit(layout, _spec(params, version), NODE)
    if version is None:
        version = binary_version(module, planned.result.binary)
        if version is not None:
            planned = run_edit(layout, _spec(params, version), NODE)
    containerd = containerd_version_of(module)
    if version is not None and containerd is not None:
        check_runtime_pair(version, containerd)  # the version guard: before anything is written
    written = _write(module, planned, diff_mode)
    result = _result(planned, layout, version)
    result["containerd_version"] = version_text(containerd) if containerd else None
    result["changed"] = written.changed
    if written.backups:
        result["backup_files"] = written.backups
    if written.diffs:
        result["diff"] = written.diffs
    warnings = masking_warnings(layout, _list, os.path.realpath) + planned.result.warnings + planned.result.conflicts
    return Outcome(result, warnings)


def _write(module: ModuleLike, planned: PlannedEdit, diff_mode: bool) -> _files.Written:
    """Environment files first: the drop-in that stops setting a flag is written last."""
    result, path = planned.result, planned.placement.path
    changes = []
    for file_path in sorted(result.changed_paths, key=lambda p: p == path):
        after = result.texts_after[file_path]
        current = _files.read_current(file_path, follow=True)
        changes.append(_files.Change(current, after.encode("utf-8"), result.texts_before.get(file_path) or "", after))
    # the file attributes apply to the drop-in: the one asked for, or ours when it changes
    attributes = [path] if module.params["path"] or path in result.changed_paths else []
    return _files.write_files(module, changes, backup=module.params["backup"], diff=diff_mode, attributes=attributes)


def _result(planned: PlannedEdit, layout: UnitLayout, version: Version | None) -> dict[str, Any]:
    result, placement = planned.result, planned.placement
    changed_files = result.changed_paths
    return {
        "found": result.found,
        "removed_unsupported": result.removed_unsupported,
        "effective_flags": result.effective_after,
        "effective_flags_before": result.effective_before,
        "command_line": planned.argv_after,
        "command_line_before": planned.argv_before,
        "effective_args": result.args_after,
        "conflicts": result.conflicts,
        "kubelet_version": version_text(version) if version else None,
        "changed_files": changed_files,
        "daemon_reload_needed": placement.path in changed_files,
        "restart_needed": bool(changed_files),
        "unit_path": result.unit_path,
        "layout": layout.as_dict(),
        "placement": placement.as_dict(),
    }
