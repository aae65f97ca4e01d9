# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters about containerd's runtime handlers; the rules live in module_utils/_runtimes.py."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.module_utils._runtimes import shim_binary_name


def shim_binary_name_filter(runtime_type: Any) -> str:
    if not isinstance(runtime_type, str):
        raise AnsibleFilterError(f"shim_binary_name: expected a runtime_type string, got {runtime_type!r}")
    name = shim_binary_name(runtime_type)
    if name is None:
        raise AnsibleFilterError(
            f"shim_binary_name: {runtime_type!r} is not a runtime_type of the form <namespace>.<name>.<version>"
            " (for example io.containerd.kata-qemu.v2)"
        )
    return name


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"shim_binary_name": shim_binary_name_filter}
