# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count, per host, the tasks that actually ran (ok, changed or failed; skipped ones do not).

Used by tests/benchmarks/bench_converge.py only (not part of the collection). Writes JSON to
$CRI_TASK_ROUNDS_FILE: {host: {"ran": N, "remote": N, "changed": N, "tasks": [[action, name], ...]}}.
"remote" counts the tasks whose action runs a module on the node; set_fact, assert, debug,
fail, includes and meta run on the controller and cost no connection round.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase

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
        action = str(result._task.action).rsplit(".", 1)[-1]
        entry = self.hosts.setdefault(host, {"ran": 0, "remote": 0, "changed": 0, "tasks": []})
        entry["ran"] += 1
        entry["remote"] += 0 if action in CONTROLLER_ONLY else 1
        entry["changed"] += 1 if changed else 0
        entry["tasks"].append([action, result._task.get_name()])

    def v2_runner_on_ok(self, result: Any) -> None:
        self._count(result, bool(result._result.get("changed")))

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._count(result, False)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        path = os.environ.get("CRI_TASK_ROUNDS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self.hosts, f, indent=1, sort_keys=True)
