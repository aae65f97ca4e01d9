# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian version ordering and the containerd role's choice of a package version.

The ordering is judged by dpkg itself (`dpkg --compare-versions`, deb-version(7)) where dpkg exists;
the policy fixture is the real `apt-cache policy containerd` of a trixie node with sid added and
containerd pinned to it (as molecule/upgrade-distro prepares it), captured on this machine.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._apt_version import (
    AptVersionError,
    compare,
    matches,
    parse_policy,
    resolve,
    split_version,
    upstream_release,
    upstream_series,
)

FIXTURES = Path(__file__).parent / "fixtures" / "apt"
TRIXIE_SID = (FIXTURES / "policy-trixie-sid-pinned.txt").read_text()

# (left, right, expected sign): deb-version(7)'s rules, one pair per rule
ORDERED = [
    ("2.1.9+ds1-5", "1.7.24~ds1-6+deb13u1", 1),
    ("2.1.9~ds1-1", "2.1.9-1", -1),  # ~ sorts before the end of the part
    ("2.1.9-1", "2.1.9+ds1-1", -1),  # the end of the part sorts before +
    ("2.1.9~rc1-1", "2.1.9~~-1", 1),  # ~~ sorts before ~r
    ("1:1.0-1", "2.1.9-1", 1),  # the epoch first
    ("0:2.1.9-1", "2.1.9-1", 0),  # epoch 0 = no epoch
    ("2.10.0-1", "2.9.9-1", 1),  # digit parts numerically
    ("2.1.9-1", "2.1.9", 1),  # an absent revision is 0
    ("2.1.9-0", "2.1.9", 0),
    ("1.7.24~ds1-6+deb13u1", "1.7.24~ds1-6", 1),  # stable updates sort after the release
    ("1.7.24~ds1-6+b4", "1.7.24~ds1-6+deb13u1", -1),  # letters before non-letters, b < d
    ("1.0a-1", "1.0+-1", -1),  # letters sort before non-letters
    ("1.001-1", "1.1-1", 0),  # leading zeros
    ("2.1.9+ds1-5", "2.1.9+ds1-5", 0),
]


@pytest.mark.parametrize(("left", "right", "sign"), ORDERED)
def test_compare_orders_as_deb_version_says(left: str, right: str, sign: int) -> None:
    assert compare(left, right) == sign
    first, second = right, left  # the other way round
    assert compare(first, second) == -sign


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="no dpkg here: the ordering's real judge is missing")
@pytest.mark.parametrize(("left", "right", "sign"), ORDERED)
def test_dpkg_agrees(left: str, right: str, sign: int) -> None:
    op = {-1: "lt", 0: "eq", 1: "gt"}[sign]
    assert subprocess.run(["dpkg", "--compare-versions", left, op, right], check=False).returncode == 0


def test_split_and_series() -> None:
    assert split_version("1:2.1.9+ds1-5") == (1, "2.1.9+ds1", "5")
    assert split_version("2.1.9") == (0, "2.1.9", "0")
    assert split_version("1.7.24~ds1-6+deb13u1") == (0, "1.7.24~ds1", "6+deb13u1")
    assert upstream_series("2.1.9+ds1-5") == (2, 1)
    assert upstream_series("1:1.7.24~ds1-6") == (1, 7)
    assert upstream_release("1.7.24~ds1-6+deb13u1") == "1.7.24"
    for bad in ["", "a1.0", "x:1.0", "1.0 -1"]:
        with pytest.raises(AptVersionError):
            split_version(bad)


@pytest.mark.parametrize(
    ("request_", "version", "expected"),
    [
        ("2.1", "2.1.9+ds1-5", True),
        ("2.1", "2.10.0-1", False),
        ("2", "2.1.9+ds1-5", True),
        ("2.1.9", "2.1.9+ds1-5", True),
        ("2.1.9", "2.1.9~ds1-5", True),
        ("2.1.9", "2.1.90-1", False),
        ("2.1", "1:2.1.9-1", True),  # no epoch asked: any epoch
        ("1:2.1", "1:2.1.9-1", True),
        ("1:2.1", "2.1.9-1", False),
        ("2.1.9+ds1-5", "2.1.9+ds1-5", True),  # exact
        ("2.1.9+ds1-4", "2.1.9+ds1-5", False),  # a revision makes it exact
        ("1.7", "2.1.9+ds1-5", False),
    ],
)
def test_matches(request_: str, version: str, expected: bool) -> None:
    assert matches(request_, version) is expected


def test_parse_policy_real_output() -> None:
    policy = parse_policy(TRIXIE_SID)
    assert policy == {
        "installed": "1.7.24~ds1-6+deb13u1",
        "candidate": "2.1.9+ds1-5",
        "versions": [("2.1.9+ds1-5", 990), ("1.7.24~ds1-6+deb13u1", 500)],
    }


def test_resolve_upgrade_across_generations() -> None:
    got = resolve("2.1", TRIXIE_SID)
    assert (got["version"], got["action"], got["release"], got["series"]) == ("2.1.9+ds1-5", "upgrade", "2.1.9", "2.1")
    assert got["installed_release"] == "1.7.24"
    assert got["error"] is None


def test_resolve_latest_is_apts_candidate() -> None:
    assert resolve("latest", TRIXIE_SID)["version"] == "2.1.9+ds1-5"


def test_resolve_installed_series_keeps() -> None:
    assert resolve("1.7", TRIXIE_SID)["action"] == "keep"
    assert resolve("1.7.24~ds1-6+deb13u1", TRIXIE_SID)["action"] == "keep"


def test_resolve_nothing_matches_names_the_offers() -> None:
    got = resolve("2.3", TRIXIE_SID)
    assert got["version"] is None
    assert got["error"] == (
        "apt offers no version matching '2.3' (installed: 1.7.24~ds1-6+deb13u1; candidate: 2.1.9+ds1-5; "
        "versions: 2.1.9+ds1-5 (pin 990), 1.7.24~ds1-6+deb13u1 (pin 500))"
    )


POLICY_SHAPE = """containerd:
  Installed: {installed}
  Candidate: {candidate}
  Version table:
{rows}"""


def policy(installed: str, candidate: str, rows: list[tuple[str, int]]) -> str:
    lines = []
    for version, pin in rows:
        mark = " *** " if version == installed else "     "
        lines.append(f"{mark}{version} {pin}\n        {pin} http://deb.debian.org/debian x/main amd64 Packages")
    return POLICY_SHAPE.format(installed=installed, candidate=candidate, rows="\n".join(lines))


def test_resolve_prefix_respects_pins_when_the_candidate_does_not_match() -> None:
    text = policy("(none)", "2.2.1-1", [("2.2.1-1", 500), ("2.1.9-2", 100), ("2.1.5-1", 500), ("2.1.10-1", -1)])
    got = resolve("2.1", text)
    # 2.1.10 is pinned below 0 (never installed); of the rest the highest pin wins, not the newest
    assert (got["version"], got["action"]) == ("2.1.5-1", "install")
    assert resolve("2.1.10", text)["version"] is None


def test_resolve_newest_among_equal_pins() -> None:
    text = policy("1.7.24-1", "1.7.24-1", [("2.1.5-1", 500), ("2.1.9-1", 500), ("1.7.24-1", 500)])
    got = resolve("2", text)
    assert (got["version"], got["action"]) == ("2.1.9-1", "upgrade")


def test_resolve_same_generation_and_downgrade() -> None:
    text = policy("2.1.5-1", "2.1.9-1", [("2.1.9-1", 500), ("2.1.5-1", 100), ("1.7.24-1", 500)])
    assert resolve("2.1.9", text)["action"] == "change"
    assert resolve("1.7", text)["action"] == "downgrade"
    assert resolve("latest", text)["action"] == "change"


def test_resolve_nothing_installed_nothing_offered() -> None:
    got = resolve("latest", "containerd:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n")
    assert got["version"] is None
    assert "versions: no version at all" in got["error"]
