# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.cri.runtimes`` importable from this checkout.

The collection's Python code imports itself by its collection path. Outside
ansible-test that path does not exist, so a symlink tree in a temporary
directory provides it for the whole test session.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_TREE = Path(tempfile.mkdtemp(prefix="cri-runtimes-pytest-"))
atexit.register(shutil.rmtree, _TREE, True)  # ignore_errors; removes the link, never what it points to
(_TREE / "ansible_collections" / "cri").mkdir(parents=True)
os.symlink(_ROOT, _TREE / "ansible_collections" / "cri" / "runtimes")
sys.path.insert(0, str(_TREE))
# ``ansible_collections`` is a namespace package shared with the ``ansible`` package.
if "ansible_collections" in sys.modules:  # pragma: no cover - depends on import order
    sys.modules["ansible_collections"].__path__.insert(0, str(_TREE / "ansible_collections"))  # type: ignore[attr-defined]
