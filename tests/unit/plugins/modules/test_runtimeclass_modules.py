# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules refuse bad input before they connect (the host below does not exist)."""

from __future__ import annotations

import pytest

from ansible_collections.cri.runtimes.plugins.modules import node_labels, runtimeclass

from .runner import ModuleFail, run_module

NOWHERE = {"host": "https://127.0.0.1:1"}


@pytest.mark.parametrize(
    ("args", "start"),
    [
        ({"name": "x", "handler": "Bad_Handler"}, "handler: "),
        ({"name": "x", "handler": "runc", "overhead": {"pod_fixed": {"cpu": "fast"}}}, "overhead.pod_fixed.cpu: "),
        (
            {
                "name": "x",
                "handler": "runc",
                "scheduling": {"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]},
            },
            "scheduling.tolerations[0].value: ",
        ),
    ],
)
def test_runtimeclass_validates_first(args: dict, start: str) -> None:
    with pytest.raises(ModuleFail) as failed:
        run_module(runtimeclass.main, {**NOWHERE, **args})
    assert failed.value.result["msg"].startswith(start)


def test_runtimeclass_needs_a_handler_when_present() -> None:
    with pytest.raises(ModuleFail, match="handler"):
        run_module(runtimeclass.main, {**NOWHERE, "name": "x"})


def test_runtimeclass_unreachable_server() -> None:
    with pytest.raises(ModuleFail, match=r"cannot reach the Kubernetes API at https://127\.0\.0\.1:1"):
        run_module(runtimeclass.main, {**NOWHERE, "name": "x", "handler": "runc"})


def test_node_labels_validates_first() -> None:
    with pytest.raises(ModuleFail, match=r"^handlers\[0\]: "):
        run_module(node_labels.main, {**NOWHERE, "name": "n", "handlers": ["Nope"]})
