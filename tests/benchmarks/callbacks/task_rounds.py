# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count, per host, the tasks that actually ran (ok, changed or failed; skipped ones do not).

Used by tests/benchmarks/bench_converge.py only (not part of the collection). Writes JSON to
$CRI_TASK_ROUNDS_FILE: {host: {"ran": N, "remote": N, "changed": N, "tasks": [[action, name], ...]}}.
"remote" counts the tasks whose action runs a module on the node; set_fact, assert, debug,
fail, includes and meta run on the controller and cost no connection round. Whether an action
plugin needs the node is what ansible-core itself says (``_requires_connection = False``: the
task executor opens no connection for it); that is how ``validate_argument_spec``, the task every
include of a role with an argument spec adds, is counted: on the controller. The first version
of this callback (main at 409920b) listed controller actions by hand, missed that one and counted
each role's argument validation as a remote round.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import action_loader

DOCUMENTATION = r"""
name: task_rounds
type: aggregate
short_description: count the tasks that ran per host (benchmark helper)
description: Writes per-host counts of tasks that ran to the file named by CRI_TASK_ROUNDS_FILE.
requirements: [enable it in ANSIBLE_CALLBACKS_ENABLED]
"""

CONTROLLER_ONLY = {
    "set_fact",
    "assert",
    "debug",
    "fail",
    "include_tasks",
    "include_role",
    "import_tasks",
    "import_role",
    "meta",
    "include_vars",
    "add_host",
    "group_by",
}


def remote(action: str) -> bool:
    """Whether a task of this action runs something on the node (a module, or a command through the connection)."""
    if action.rsplit(".", 1)[-1] in CONTROLLER_ONLY:
        return False
    short = action.rsplit(".", 1)[-1] if action.startswith(("ansible.builtin.", "ansible.legacy.")) else action
    plugin = action_loader.get(short, class_only=True)
    return plugin is None or bool(getattr(plugin, "_requires_connection", True))


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_rounds"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.hosts: dict[str, dict[str, Any]] = {}

    def _count(self, result: Any, changed: bool) -> None:
        host = result._host.get_name()
        action = str(result._task.action)
        entry = self.hosts.setdefault(host, {"ran": 0, "remote": 0, "changed": 0, "tasks": []})
        entry["ran"] += 1
        entry["remote"] += 1 if remote(action) else 0
        entry["changed"] += 1 if changed else 0
        entry["tasks"].append(
            [action.rsplit(".", 1)[-1] + ("" if remote(action) else " (controller)"), result._task.get_name()]
        )

    def v2_runner_on_ok(self, result: Any) -> None:
        self._count(result, bool(result._result.get("changed")))

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._count(result, False)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        path = os.environ.get("CRI_TASK_ROUNDS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self.hosts, f, indent=1, sort_keys=True)
