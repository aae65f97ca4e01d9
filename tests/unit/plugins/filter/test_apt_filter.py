# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The apt_version_resolve filter: the containerd role's choice of a distro package version."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.filter import apt as filters

POLICY = (Path(__file__).parents[1] / "module_utils" / "fixtures" / "apt" / "policy-trixie-sid-pinned.txt").read_text()


def test_filter_registered_and_resolves() -> None:
    resolve = filters.FilterModule().filters()["apt_version_resolve"]
    got = resolve(POLICY, "2.1")
    assert (got["version"], got["action"]) == ("2.1.9+ds1-5", "upgrade")


def test_filter_error_is_a_filter_error() -> None:
    bad = "containerd:\n  Installed: (none)\n  Candidate: x1\n  Version table:\n     x1 500\n"
    with pytest.raises(AnsibleFilterError, match="apt_version_resolve: not a Debian version"):
        filters.apt_version_resolve(bad, "latest")
