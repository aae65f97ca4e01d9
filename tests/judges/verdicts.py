# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verdicts the real-judge suites record; conftest prints them as a table."""

from __future__ import annotations

# (suite, file, generation, verdict, detail)
VERDICTS: list[tuple[str, str, str, str, str]] = []
