# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback plugin cri.runtimes.summary: one table at the end of a site.yml run, and a JSON copy."""

from __future__ import annotations

DOCUMENTATION = r"""
name: summary
type: aggregate
short_description: What a cri.runtimes run did, per node and per RuntimeClass
description:
  - At the end of a playbook that ran the collection's roles (C(cri.runtimes.site)), prints one table per node
    (handlers containerd verified, the handler labels the node carries, what changed, whether containerd and
    the kubelet restarted) and one per RuntimeClass (handler, scheduling, overhead, how many nodes offer its
    handler).
  - Optionally writes the same as JSON for pipelines.
  - Everything comes from results the run produces anyway; the summary costs no task on any node.
  - Enable it like any callback that is not the stdout one, for example
    C(ANSIBLE_CALLBACKS_ENABLED=cri.runtimes.summary) or C(callbacks_enabled) in C(ansible.cfg).
    The collection's lab execution environment enables it.
  - Prints nothing for a playbook that ran none of the collection's roles.
requirements:
  - enable it (see above)
options:
  path:
    description:
      - Write the summary as JSON to this file on the controller. In an execution environment that is a path
        inside the container, for example under the job's artifacts directory C(/runner/artifacts/).
      - The extra variable C(cri_runtimes_summary_path) takes precedence.
      - When neither is set, no file is written.
    type: path
    env:
      - name: CRI_RUNTIMES_SUMMARY_PATH
    ini:
      - section: callback_cri_runtimes_summary
        key: path
"""

import os  # noqa: E402 - after DOCUMENTATION, as ansible-doc expects
from typing import Any  # noqa: E402 - after DOCUMENTATION, as ansible-doc expects

from ansible import context  # noqa: E402 - after DOCUMENTATION, as ansible-doc expects
from ansible.plugins.callback import CallbackBase  # noqa: E402 - after DOCUMENTATION, as ansible-doc expects

from ansible_collections.cri.runtimes.plugins.plugin_utils._summary import Recorder, write_json  # noqa: E402 - after DOCUMENTATION, as ansible-doc expects

EXTRA_VAR = "cri_runtimes_summary_path"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "cri.runtimes.summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._recorder = Recorder(check_mode=bool(context.CLIARGS.get("check", False)))
        self._extra_path: str | None = None

    def v2_playbook_on_play_start(self, play: Any) -> None:
        try:
            extra = play.get_variable_manager().extra_vars
        except AttributeError:
            return
        value = extra.get(EXTRA_VAR) if hasattr(extra, "get") else None
        if value:
            self._extra_path = str(value)

    def _record(self, result: Any) -> None:
        task = result._task
        role = task._role.get_name() if getattr(task, "_role", None) else ""
        fields = getattr(result, "_task_fields", None) or {}
        args = fields.get("args") if isinstance(fields, dict) else None
        if not isinstance(args, dict):
            args = getattr(task, "args", None) or {}
        self._recorder.task_result(
            result._host.get_name(),
            str(task.action),
            str(role),
            str(task.get_name()),
            dict(result._result),
            args={str(k): v for k, v in args.items()},
        )

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        for host in sorted(stats.processed):
            summary = stats.summarize(host)
            status = "unreachable" if summary.get("unreachable") else ("failed" if summary.get("failures") else "ok")
            self._recorder.host_status(host, status)
        if not self._recorder.seen_collection:
            return
        title = "cri.runtimes summary" + (
            " (check mode: what a real run would do)" if self._recorder.check_mode else ""
        )
        self._display.banner(title.upper())
        self._display.display(self._recorder.render())
        path = self._extra_path or self.get_option("path")
        if path:
            path = os.path.expanduser(path)
            write_json(path, self._recorder.document())
            self._display.display(f"cri.runtimes summary written to {path}")
