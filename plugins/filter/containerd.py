# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd's schema for roles; the facts live in module_utils/_containerd_schema.py."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.module_utils._containerd_migrate import dump_differences
from ansible_collections.cri.runtimes.plugins.module_utils._containerd_schema import facts
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import TomlError


def containerd_schema(name: str) -> Any:
    known = facts()
    if name not in known:
        raise AnsibleFilterError(f"containerd_schema: unknown fact {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def containerd_dump_differences(before: str, after: str, containerd: str) -> dict[str, list[str]]:
    try:
        return dump_differences(before, after, containerd)
    except TomlError as exc:
        raise AnsibleFilterError(f"containerd_dump_differences: {exc}") from None


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"containerd_schema": containerd_schema, "containerd_dump_differences": containerd_dump_differences}
