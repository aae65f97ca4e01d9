# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubelet_config module's run: read the KubeletConfiguration, merge, write it through _files.

``changed`` comes from the parsed data (_kubelet.same_data), not the text; the
file is written as PyYAML dumps it. Nothing here imports Ansible.
"""

from __future__ import annotations

from typing import Any

from ._files import Change, ModuleLike, decode, read_current, write_files
from ._kubelet import KubeletError, check_config_document, merge_config, same_data

try:
    import yaml

    HAS_YAML = True
    YAML_ERROR: str | None = None
except ImportError:
    import traceback

    HAS_YAML = False
    YAML_ERROR = traceback.format_exc()


def load(text: str, path: str) -> dict[str, Any]:
    """The KubeletConfiguration in ``text``; YAML errors name the file and line."""
    try:
        return check_config_document(yaml.safe_load(text), path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise KubeletError(f"{path}: {where}not valid YAML: {problem}") from exc


def dump(data: dict[str, Any]) -> str:
    return str(yaml.safe_dump(data, default_flow_style=False, sort_keys=False))


def run(module: ModuleLike, diff_mode: bool) -> dict[str, Any]:
    """One module call: the merged config, written only when its data differs; the module's result."""
    params = module.params
    current = read_current(params["path"], follow=True)
    text = decode(current.data, current.path) if current.exists else ""
    before = load(text, current.path)
    after = merge_config(before, params["settings"], params["remove"])
    changes = []
    if not (current.exists and before and same_data(before, after)):
        new_text = dump(after)
        changes.append(Change(current, new_text.encode("utf-8"), text, new_text))
    written = write_files(module, changes, backup=params["backup"], diff=diff_mode, attributes=[current.path])
    result: dict[str, Any] = {
        "changed": written.changed,
        "config": after,
        "restart_needed": bool(written.changed_paths),
    }
    if written.backups:
        result["backup_file"] = written.backups[current.path]
    if written.diffs:
        result["diff"] = written.diffs[0]
    return result
