# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/run/home-guard.py, the check that make test writes nothing outside the checkout (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).resolve().parents[2] / "scripts" / "run" / "home-guard.py"


def guard(home: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    env.update(HOME=str(home), HOME_GUARD_SNAPSHOT=str(home.parent / "snapshot.json"))
    return subprocess.run([sys.executable, str(GUARD), command], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".ansible" / "tmp").mkdir(parents=True)
    (home / ".cache" / "cri-runtimes" / "kubernetes").mkdir(parents=True)
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text("[global]\n")
    assert guard(home, "snapshot").returncode == 0
    return home


def test_nothing_changed_passes(home: Path) -> None:
    result = guard(home, "check")
    assert result.returncode == 0, result.stderr
    assert "nothing outside the checkout" in result.stdout


def test_the_documented_cache_may_change(home: Path) -> None:
    (home / ".cache" / "cri-runtimes" / "kubernetes" / "v1.20.2").mkdir()
    (home / ".cache" / "cri-runtimes" / "images.tar").write_text("x")
    assert guard(home, "check").returncode == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (".ansible/collections/ansible_collections/cri/runtimes/MANIFEST.json", "created: {home}/.ansible/collections"),
        (".cache/pip/http/x", "created: {home}/.cache/pip"),
        (".config/pip/pip.conf", "changed: {home}/.config/pip/pip.conf (size 9 -> 4, modified)"),
        (".kube/config", "created: {home}/.kube"),
        (".ansible-core-ci.key", "created: {home}/.ansible-core-ci.key"),
    ],
)
def test_a_write_outside_fails_and_names_the_path(home: Path, change: str, expected: str) -> None:
    path = home / change
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("new\n")
    result = guard(home, "check")
    assert result.returncode == 1
    assert "home-guard: FAILED" in result.stderr
    assert expected.format(home=home) in result.stderr


def test_a_temporary_file_created_and_removed_is_seen(home: Path) -> None:
    tmp = home / ".ansible" / "tmp"
    before = tmp.stat().st_mtime_ns
    (tmp / "ansible-tmp-1").mkdir()
    (tmp / "ansible-tmp-1").rmdir()
    os.utime(tmp, ns=(before + 10**9, before + 10**9))  # as a later clock tick would leave it
    result = guard(home, "check")
    assert result.returncode == 1
    assert f"changed: {tmp} (modified)" in result.stderr


def test_check_without_snapshot_says_so(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    result = guard(tmp_path / "home", "check")
    assert result.returncode == 2
    assert "no snapshot" in result.stderr
