# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`python -m lab COMMAND`: see lab/__init__.py."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
