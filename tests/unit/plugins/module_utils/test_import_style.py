# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils: one import style (relative ``from ._x import y``) and nothing imported from Ansible."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODULE_UTILS = Path(__file__).resolve().parents[4] / "plugins" / "module_utils"
FILES = sorted(p for p in MODULE_UTILS.glob("*.py") if p.name != "__init__.py")


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file; relative imports are left out."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.append((node.lineno, node.module or ""))
    return out


def test_module_utils_files_are_found() -> None:
    assert {"_files.py", "_containerd_config.py", "_toml_edit.py"} <= {p.name for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_module_utils_import_their_siblings_relatively_and_nothing_from_ansible(path: Path) -> None:
    bad = [
        f"{path.name}:{line}: import {name}"
        for line, name in _imported(path)
        if name.split(".")[0] in ("ansible", "ansible_collections")
    ]
    assert bad == []
