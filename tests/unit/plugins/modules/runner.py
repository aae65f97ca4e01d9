# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` in-process and get its result as a dict.

``exit_json`` and ``fail_json`` end a module with ``sys.exit``; here they raise
exceptions that carry the result instead, so a test can assert on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg"))
        self.result = result


def _exit(self: basic.AnsibleModule, **kwargs: Any) -> None:
    kwargs.setdefault("changed", False)
    raise ModuleExit(kwargs)


def _fail(self: basic.AnsibleModule, msg: str, **kwargs: Any) -> None:
    kwargs["msg"] = msg
    kwargs["failed"] = True
    raise ModuleFail(kwargs)


def run_module(main: Callable[[], None], args: dict[str, Any], *, check: bool = False, diff: bool = False) -> dict:
    """Run ``main`` with ``args``; return the exit result or raise ModuleFail."""
    full = dict(args)
    full["_ansible_check_mode"] = check
    full["_ansible_diff"] = diff
    with (
        patch_module_args(full),
        mock.patch.object(basic.AnsibleModule, "exit_json", _exit),
        mock.patch.object(basic.AnsibleModule, "fail_json", _fail),
    ):
        try:
            main()
        except ModuleExit as done:
            return done.result
    raise AssertionError("module returned without calling exit_json or fail_json")
