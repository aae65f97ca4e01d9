# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real-judge suites: the programs that read a file judge our edit of it.

Makes ``ansible_collections.cri.runtimes`` importable from this checkout (as the unit
tests' conftest does) and prints each suite's verdict table at the end of the run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
_TREE = Path(tempfile.mkdtemp(prefix="cri-runtimes-judges-"))
(_TREE / "ansible_collections" / "cri").mkdir(parents=True)
os.symlink(_ROOT, _TREE / "ansible_collections" / "cri" / "runtimes")
sys.path.insert(0, str(_TREE))
sys.path.insert(0, str(_ROOT))  # tests.unit.plugins.modules.runner drives a module's main()
if "ansible_collections" in sys.modules:  # pragma: no cover - depends on import order
    sys.modules["ansible_collections"].__path__.insert(0, str(_TREE / "ansible_collections"))  # type: ignore[attr-defined]

from .verdicts import VERDICTS  # noqa: E402  (after the path set-up above)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not VERDICTS:
        return
    tr = terminalreporter
    for suite in sorted({v[0] for v in VERDICTS}):
        rows = sorted(v[1:] for v in VERDICTS if v[0] == suite)
        tr.write_sep("=", f"{suite}: verdicts of the real judges")
        width = max(len(r[0]) for r in rows)
        for name, gen, verdict, detail in rows:
            tr.write_line(f"{name:<{width}}  {gen:<5}  {verdict:<10}  {detail}")
        totals: dict[str, int] = {}
        for _name, _gen, verdict, _detail in rows:
            totals[verdict] = totals.get(verdict, 0) + 1
        per_gen: dict[str, dict[str, int]] = {}
        for _name, gen, verdict, _detail in rows:
            per_gen.setdefault(gen, {}).setdefault(verdict, 0)
            per_gen[gen][verdict] += 1
        tr.write_line(
            f"totals: {len(rows)} judgements of {len({r[0] for r in rows})} files: "
            + ", ".join(f"{k} {v}" for k, v in sorted(totals.items()))
        )
        for gen in sorted(per_gen):
            tr.write_line(f"  {gen}: " + ", ".join(f"{k} {v}" for k, v in sorted(per_gen[gen].items())))
