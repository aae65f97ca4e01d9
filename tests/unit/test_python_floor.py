# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Code that runs on managed nodes stays within Python 3.9 (the floor).

``make units-floor`` runs the unit tests on a real 3.9; this static check runs on any
Python, so that a machine without 3.9 (and ``ruff``, which only knows 3.10+ *syntax*)
still catches the 3.10+ features that parse fine but fail at run time on a node:
``zip(strict=)``, ``X | Y`` evaluated outside an annotation, ``dataclass(slots=,
kw_only=)``, 3.10+ names from ``typing``, ``int.bit_count``, ``itertools.pairwise``,
and ``tomllib`` without a fallback.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_FILES = sorted([*ROOT.glob("plugins/modules/*.py"), *ROOT.glob("plugins/module_utils/*.py")])

# Names of builtin types: `str | None` outside an annotation is evaluated, and only 3.10+
# has `type.__or__`. (`set_a | set_b` and `dict_a | dict_b` are 3.9 and stay allowed.)
_TYPES = {"str", "int", "float", "bool", "bytes", "list", "dict", "tuple", "set", "frozenset", "type", "object"}
_TYPING_310 = {"TypeAlias", "ParamSpec", "Concatenate", "TypeGuard", "is_typeddict", "Self", "Never", "LiteralString"}
_TYPING_310 |= {"Required", "NotRequired", "Unpack", "TypeVarTuple", "assert_never", "reveal_type", "override"}
_CALLS_310 = {"bit_count", "pairwise", "batched", "aiter", "anext"}
_KNOWN_XFAIL: dict[str, str] = {}


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """ids of every node inside an annotation (strings under `from __future__ import annotations`)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        for attr in ("annotation", "returns"):
            sub = getattr(node, attr, None)
            if isinstance(sub, ast.AST):
                inside.update(id(n) for n in ast.walk(sub))
    return inside


def _is_type_expr(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    if isinstance(node, ast.Name):
        return node.id in _TYPES
    if isinstance(node, ast.Subscript):
        return _is_type_expr(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_type_expr(node.left) or _is_type_expr(node.right)
    return False


def _guarded_imports(tree: ast.AST) -> set[int]:
    """ids of imports inside a `try:` whose handlers catch ImportError."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            h.type is None or "ImportError" in ast.unparse(h.type) or "Exception" in ast.unparse(h.type)
            for h in node.handlers
        ):
            for stmt in node.body:
                guarded.update(id(n) for n in ast.walk(stmt))
    return guarded


def floor_problems(source: str, name: str) -> list[str]:
    """Every use of a 3.10+ run-time feature in ``source``, as ``name:line: what``."""
    tree = ast.parse(source, name)
    in_annotation = _annotation_nodes(tree)
    guarded = _guarded_imports(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        found += [f"{name}:{getattr(node, 'lineno', 0)}: {what}" for what in _problems(node, in_annotation, guarded)]
    return found


def _problems(node: ast.AST, in_annotation: set[int], guarded: set[int]) -> list[str]:
    """What in ``node`` itself needs 3.10+ at run time."""
    out: list[str] = []
    if type(node).__name__ == "Match":
        out.append("`match` statement (3.10+)")
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and id(node) not in in_annotation:
        if _is_type_expr(node):
            out.append(f"`{ast.unparse(node)}` is evaluated at run time (type union needs 3.10+)")
            in_annotation.update(id(n) for n in ast.walk(node))  # report `A | B | C` once
    elif isinstance(node, ast.Call):
        out += _call_problems(node)
    elif isinstance(node, ast.ImportFrom) and node.module in ("typing", "itertools"):
        out += [
            f"from {node.module} import {alias.name} (3.10+)"
            for alias in node.names
            if alias.name in _TYPING_310 | _CALLS_310
        ]
    if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if "tomllib" in names:
            out.append("tomllib without an ImportError fallback (3.11+)")
    return out


def _call_problems(node: ast.Call) -> list[str]:
    out: list[str] = []
    func = ast.unparse(node.func)
    short = func.rsplit(".", maxsplit=1)[-1]
    keywords = {k.arg for k in node.keywords}
    if func == "zip" and "strict" in keywords:
        out.append("zip(strict=) (3.10+)")
    if short == "dataclass" and keywords & {"slots", "kw_only", "match_args"}:
        out.append(f"dataclass({', '.join(sorted(keywords & {'slots', 'kw_only', 'match_args'}))}=) (3.10+)")
    if short in _CALLS_310:
        out.append(f"{func}() (3.10+)")
    return out


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=_KNOWN_XFAIL[p.name]))
        if p.name in _KNOWN_XFAIL
        else p
        for p in NODE_FILES
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_node_code_stays_within_python_39(path: Path) -> None:
    assert floor_problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) == []


def test_node_files_are_found() -> None:
    names = {p.name for p in NODE_FILES}
    assert {"containerd_config.py", "_toml_edit.py", "_kubelet_dropin.py"} <= names


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("zip(a, b, strict=False)\n", "zip(strict=)"),
        ("isinstance(x, str | int)\n", "`str | int` is evaluated"),
        ("Alias = dict[str, int] | None\n", "is evaluated at run time"),
        ("match x:\n    case 1:\n        pass\n", "`match` statement"),
        ("from dataclasses import dataclass\n@dataclass(slots=True)\nclass A:\n    x: int\n", "dataclass(slots=)"),
        ("from typing import TypeAlias\n", "import TypeAlias"),
        ("n = (5).bit_count()\n", "bit_count()"),
        ("import itertools\nitertools.pairwise([1, 2])\n", "pairwise()"),
        ("import tomllib\n", "tomllib without"),
    ],
)
def test_each_310_feature_is_reported(source: str, expected: str) -> None:
    problems = floor_problems(source, "x.py")
    assert len(problems) == 1
    assert expected in problems[0]


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations\ndef f(x: str | None) -> int | None:\n    return None\n",
        "from __future__ import annotations\nclass A:\n    x: list[str] | None = None\n",
        "both = set(a) | set(b)\nmerged = {1: 2} | {3: 4}\nflags = 1 | 2\n",
        "Reader = Callable[[str], 'str | None']\n",
        "try:\n    import tomllib\nexcept ImportError:\n    tomllib = None\n",
        "isinstance(x, (str, int))\n'abc'.removeprefix('a')\n",
    ],
)
def test_39_code_is_not_reported(source: str) -> None:
    assert floor_problems(source, "x.py") == []
