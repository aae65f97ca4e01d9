# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""shim_binary_name: the roles' shim links and the handlers' verification use one rule."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.filter import runtimes as filters
from ansible_collections.cri.runtimes.plugins.module_utils._runtimes import shim_binary_name


@pytest.mark.parametrize(
    ("runtime_type", "binary"),
    [
        ("io.containerd.kata-qemu.v2", "containerd-shim-kata-qemu-v2"),
        ("io.containerd.kata.v2", "containerd-shim-kata-v2"),
        ("io.containerd.runsc.v1", "containerd-shim-runsc-v1"),
        ("io.containerd.runc.v2", "containerd-shim-runc-v2"),
    ],
)
def test_shim_binary_name(runtime_type: str, binary: str) -> None:
    assert filters.FilterModule().filters()["shim_binary_name"](runtime_type) == binary
    assert shim_binary_name(runtime_type) == binary  # the rule containerd_runtime_info verifies with


@pytest.mark.parametrize("bad", ["kata", "io.containerd.kata.", 2, None])
def test_shim_binary_name_refuses(bad: Any) -> None:
    with pytest.raises(AnsibleFilterError, match="shim_binary_name: "):
        filters.shim_binary_name_filter(bad)
