# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail when the suites wrote outside the checkout and the documented caches (issue 14).

    python3 scripts/run/home-guard.py snapshot   record the watched paths (make home-snapshot, first in make test)
    python3 scripts/run/home-guard.py check      compare with the snapshot; list what was created, removed or
                                  changed and exit 1 if anything was (make home-check, last)

Watched, in the home directory: ~/.ansible, ~/.cache (except ~/.cache/cri-runtimes, the
documented cache), ~/.config, ~/.local and ~/.kube, every file and directory in them by
name, type, size and modification time (a directory's time changes when anything is added
to or removed from it, even briefly); and the names directly in ~ (a new ~/.something).
Not watched: the checkout, /tmp, and the system state the README lists (podman images and
volumes, cgroup mounts, sysctls), which the lab owns and `make lab-down` restores.
HOME_GUARD_SNAPSHOT overrides where the snapshot is kept (.tmp/home-guard/snapshot.json).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(os.environ.get("HOME_GUARD_SNAPSHOT", REPO / ".tmp" / "home-guard" / "snapshot.json"))
HOME = Path.home()
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or HOME / ".cache")
ALLOWED = [CACHE / "cri-runtimes"]  # the documented cache: Kubernetes build, images, ansible-test
TREES = [HOME / ".ansible", CACHE, HOME / ".config", HOME / ".local", HOME / ".kube"]


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _entry(path: Path) -> list[object]:
    st = path.lstat()
    kind = "d" if path.is_dir() and not path.is_symlink() else "l" if path.is_symlink() else "f"
    # a directory's size says nothing; its time says whether an entry came or went
    return [kind, 0 if kind == "d" else st.st_size, st.st_mtime_ns]


def take() -> dict[str, list[object]]:
    seen: dict[str, list[object]] = {}
    excluded = [*ALLOWED, REPO]
    for tree in TREES:
        if not tree.exists() or _inside(tree, excluded):
            continue
        for top, dirs, files in os.walk(tree):
            here = Path(top)
            dirs[:] = [d for d in dirs if not _inside(here / d, excluded)]
            # a parent of an allowed path changes its time when that path is first created
            if not any(here in a.parents for a in ALLOWED):
                seen[str(here)] = _entry(here)
            for name in files:
                path = here / name
                try:
                    seen[str(path)] = _entry(path)
                except FileNotFoundError:  # gone while walking
                    continue
            for name in dirs:
                if (here / name).is_symlink():
                    seen[str(here / name)] = _entry(here / name)
    for path in HOME.iterdir():
        seen.setdefault(str(path), ["name"])  # top level of ~: only that it exists
    return seen


def compare(before: dict[str, list[object]], after: dict[str, list[object]]) -> list[str]:
    problems = []
    for path in sorted(after.keys() - before.keys()):
        problems.append(f"created: {path}")
    for path in sorted(before.keys() - after.keys()):
        problems.append(f"removed: {path}")
    for path in sorted(before.keys() & after.keys()):
        old, new = before[path], after[path]
        if old != new:
            what = []
            if old[0] != new[0]:
                what.append(f"type {old[0]} -> {new[0]}")
            if len(old) > 1 and old[1] != new[1]:
                what.append(f"size {old[1]} -> {new[1]}")
            if len(old) > 2 and old[2] != new[2]:
                what.append("modified")
            problems.append(f"changed: {path} ({', '.join(what)})")
    return problems


def main(argv: list[str]) -> int:
    if argv[1:] == ["snapshot"]:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        snap = take()
        SNAPSHOT.write_text(json.dumps(snap))
        print(f"home-guard: {len(snap)} paths recorded outside the checkout ({SNAPSHOT})")
        return 0
    if argv[1:] == ["check"]:
        if not SNAPSHOT.exists():
            print(f"home-guard: no snapshot at {SNAPSHOT}; run `make home-snapshot` first", file=sys.stderr)
            return 2
        problems = compare(json.loads(SNAPSHOT.read_text()), take())
        if problems:
            print(
                f"home-guard: FAILED: {len(problems)} paths outside the checkout and ~/.cache/cri-runtimes"
                " were created, removed or changed since the snapshot:",
                file=sys.stderr,
            )
            for line in problems[:200]:
                print(f"  {line}", file=sys.stderr)
            if len(problems) > 200:
                print(f"  ... and {len(problems) - 200} more", file=sys.stderr)
            return 1
        print("home-guard: nothing outside the checkout and ~/.cache/cri-runtimes changed")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
