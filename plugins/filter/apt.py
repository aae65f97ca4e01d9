# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Debian package version a node must have; the logic lives in module_utils/_apt_version.py."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.module_utils._apt_version import AptVersionError, resolve


def apt_version_resolve(policy: str, request: str) -> dict[str, Any]:
    try:
        return resolve(str(request), str(policy))
    except AptVersionError as exc:
        raise AnsibleFilterError(f"apt_version_resolve: {exc}") from None


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"apt_version_resolve": apt_version_resolve}
