# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract between the roles (issue 12, item 3; docs/node-roles.md).

A runtime role calls only the containerd role's one documented entry point
(``tasks_from: handler``) and stages checksummed files with the ``cri.runtimes.download`` role;
no role, playbook or test role reaches into another role's task files. What keeps it so:

- every ``include_role``/``import_role`` of another role names either the role (its ``main``)
  or an entry point declared in that role's ``meta/argument_specs.yml``;
- outside the containerd role, the only containerd task file anyone uses is ``handler``
  (roles, playbooks, examples and Molecule; the one exception is the containerd scenario,
  the role's own white-box test of its restart);
- no task includes another role's task file by path (``include_tasks: ../../containerd/...``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"
ROLE_ACTIONS = {
    f"{prefix}{action}"
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
    for action in ("include_role", "import_role")
}
TASK_ACTIONS = {
    f"{prefix}{action}"
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
    for action in ("include_tasks", "import_tasks", "include")
}
# The containerd role's own Molecule scenario tests its restart and rollback from the inside.
WHITE_BOX = {ROOT / "molecule" / "containerd"}


def _tasks(node: Any) -> Iterator[dict[str, Any]]:
    """Every task in a task list or play list, blocks and handlers included."""
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        if any(key in node for key in ROLE_ACTIONS | TASK_ACTIONS):
            yield node
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
            if key in node:
                yield from _tasks(node[key])


def _role_calls(path: Path) -> Iterator[tuple[str, str]]:
    """(role name, tasks_from or 'main') of every role include in one YAML file."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError:  # pragma: no cover - ansible-lint reports broken YAML
        return
    for task in _tasks(data):
        for action in ROLE_ACTIONS & set(task):
            args = task[action] if isinstance(task[action], dict) else {}
            name = str(args.get("name", ""))
            entry = str(args.get("tasks_from", "main"))
            yield name.rsplit(".", 1)[-1] if name.startswith("cri.runtimes.") else name, entry.removesuffix(".yml")


def _yaml_files(*tops: Path) -> list[Path]:
    return sorted(p for top in tops for p in top.rglob("*.yml") if ".tmp" not in p.parts)


def _callers() -> list[Path]:
    """Files that call roles as a user of them: the roles, playbooks, examples, Molecule's test roles."""
    files = _yaml_files(ROLES, ROOT / "playbooks", ROOT / "examples", *ROOT.glob("molecule/*/roles"))
    return [p for p in files if "meta" not in p.relative_to(ROOT).parts]


def _entry_points(role: str) -> set[str]:
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    return set(specs["argument_specs"])


def test_role_calls_use_only_documented_entry_points() -> None:
    problems = []
    for path in _callers():
        own = path.relative_to(ROLES).parts[0] if path.is_relative_to(ROLES) else None
        for role, entry in _role_calls(path):
            if not (ROLES / role).is_dir() or role == own:
                continue  # not one of ours, or a role using its own files
            if entry not in _entry_points(role):
                problems.append(f"{path.relative_to(ROOT)}: cri.runtimes.{role} tasks_from={entry}")
    assert not problems, "not an entry point in the role's meta/argument_specs.yml: " + "; ".join(problems)


def test_only_the_containerd_role_uses_its_task_files_other_than_handler() -> None:
    problems = []
    files = _yaml_files(ROOT / "roles", ROOT / "playbooks", ROOT / "examples", ROOT / "molecule")
    for path in files:
        if path.is_relative_to(ROLES / "containerd") or any(path.is_relative_to(w) for w in WHITE_BOX):
            continue
        for role, entry in _role_calls(path):
            if role != "containerd":
                continue
            # a runtime role adds its handler through one entry point; the site playbook may also
            # call the other declared ones (prune: removal of handlers the inventory dropped)
            allowed = {"handler"} if path.is_relative_to(ROLES) else _entry_points("containerd")
            if entry not in allowed:
                problems.append(f"{path.relative_to(ROOT)}: tasks_from={entry}")
    assert not problems, "the containerd role's private task files used outside it: " + "; ".join(problems)


def test_no_task_includes_another_roles_file_by_path() -> None:
    problems = []
    for path in _yaml_files(ROLES):
        for task in _tasks(yaml.safe_load(path.read_text())):
            for action in TASK_ACTIONS & set(task):
                target = task[action]
                target = target.get("file", "") if isinstance(target, dict) else str(target)
                if "/" in target and ".." in target:
                    problems.append(f"{path.relative_to(ROOT)}: {action} {target}")
    assert not problems, "; ".join(problems)


def test_the_runtime_roles_stage_downloads_with_the_download_role() -> None:
    # the staging has one home: no copy of it (get_url + checksum) in another role
    for role in ("containerd", "crun", "gvisor", "kata"):
        text = "".join(p.read_text() for p in sorted((ROLES / role / "tasks").glob("*.yml")))
        assert "get_url" not in text, f"roles/{role} downloads by itself; use cri.runtimes.download"
    calls = {
        role
        for role in ("containerd", "crun", "gvisor", "kata")
        for path in (ROLES / role / "tasks").glob("*.yml")
        for called, _entry in _role_calls(path)
        if called == "download"
    }
    assert calls == {"containerd", "crun", "gvisor", "kata"}


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            {"ansible.builtin.include_role": {"name": "cri.runtimes.containerd", "tasks_from": "restart"}},
            ("containerd", "restart"),
        ),
        (
            {"block": [{"import_role": {"name": "cri.runtimes.containerd", "tasks_from": "facts.yml"}}]},
            ("containerd", "facts"),
        ),
        ({"include_role": {"name": "cri.runtimes.containerd", "tasks_from": "handler"}}, ("containerd", "handler")),
        ({"ansible.builtin.include_role": {"name": "cri.runtimes.download"}}, ("download", "main")),
    ],
)
def test_the_scan_finds_role_calls(tmp_path: Path, task: dict[str, Any], expected: tuple[str, str]) -> None:
    # the scan itself can fail: a private include, nested in a block, is seen
    path = tmp_path / "tasks.yml"
    path.write_text(yaml.safe_dump([{"name": "t", **task}]))
    assert list(_role_calls(path)) == [expected]


def test_every_included_task_file_exists() -> None:
    # a task file that moved to its own role (fetch.yml -> cri.runtimes.download) leaves no include behind
    problems = []
    for path in _yaml_files(ROLES):
        if path.parent.name != "tasks":
            continue
        for task in _tasks(yaml.safe_load(path.read_text())):
            for action in TASK_ACTIONS & set(task):
                target = task[action]
                target = target.get("file", "") if isinstance(target, dict) else str(target)
                if "{{" not in target and not (path.parent / target).is_file():
                    problems.append(f"{path.relative_to(ROOT)}: {action} {target}")
    assert not problems, "included task files that do not exist: " + "; ".join(problems)
