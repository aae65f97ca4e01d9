# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The style-preserving TOML editor, judged by an independent parser.

The differential fuzz below writes random TOML documents (every form a table
and a value can take), applies random edits through ``Document`` and judges
each result with the standard library's parser (``tomllib``, or ``tomli`` where
the Python is older), never with the editor's own scanner: the edited text must
parse, hold exactly the data the edit means (computed on the parsed dict, not
on the text), keep every comment line that was not inside what the edit
removed, keep CRLF and a BOM, and the edit must not be refused.

The default run (1,000 documents) is part of ``make units``; ``CRI_FUZZ_DOCS=5000``
runs more, ``CRI_FUZZ_SEED`` moves the seeds. Run this file with Python to print
the figures: ``python tests/unit/plugins/module_utils/test_toml_edit.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _toml_edit as E

try:
    import tomllib as judge
except ImportError:  # Python < 3.11: tomli is the same parser
    import tomli as judge  # type: ignore[no-redef]

Path = tuple[str, ...]
DOCS = int(os.environ.get("CRI_FUZZ_DOCS", "1000"))
SEED = int(os.environ.get("CRI_FUZZ_SEED", "0"))
BLOCKS = 10
BOM = "\ufeff"

# ---------------------------------------------------------------------------- the generator

INTS = ["42", "-17", "+5", "0", "1_000", "0x1F", "0o17", "0b101", "9223372036854775807"]
FLOATS = ["3.14", "-0.0", "+1.5", "1e3", "6.626e-34", "1_000.5", "inf", "+inf", "-inf", "nan", "+nan", "-nan"]
STRINGS = [
    '"plain"',
    '"q\\"uote \\\\ \\n \\u00e9 \\t"',
    "'C:\\path\\x'",
    '"""\nml line1\n[not.a.header]\nkey = "no"\n"""',
    "'''\nraw \\n line\n# not a comment\n'''",
    '"""a \\\n   b"""',
    '""',
    "''",
    '"""quote at the end""""',
    "'''two''''",
    '"# not a comment either"',
]
DATES = [
    "1979-05-27T07:32:00Z",
    "1979-05-27 07:32:00Z",
    "1979-05-27T00:32:00.999999-07:00",
    "1979-05-27 00:32:00+05:30",
    "1979-05-27T07:32:00",
    "1979-05-27 07:32:00.5",
    "1979-05-27",
    "07:32:00",
    "00:32:00.123",
]
SCALARS = INTS + FLOATS + ["true", "false"] + STRINGS + DATES


@dataclass
class Doc:
    text: str
    owners: dict[str, Path]  # comment marker -> path of the table (or key) the comment sits in
    crlf: bool
    bom: bool


class Gen:
    """A random TOML document; comments are ``#@cN@`` markers whose owner is recorded."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.n = 0
        self.lines: list[str] = []
        self.owners: dict[str, Path] = {}
        self.parents: list[tuple[list[str], Path]] = []  # header tables (texts, path) a new header may extend
        self.implicit: list[tuple[list[str], Path]] = []  # super-tables only implied so far
        self.dotted_parents: list[tuple[list[str], Path]] = []  # tables defined by dotted keys
        self.aots: list[tuple[list[str], Path]] = []
        self.indented = rnd.random() < 0.5
        self.key_indent = rnd.choice(["", "  ", "    ", "\t"])

    def fresh(self) -> tuple[str, str]:
        self.n += 1
        n = self.n
        r = self.rnd.random()
        if r < 0.6:
            return f"k{n}", f"k{n}"
        if r < 0.7:
            return f"k-{n}_x", f"k-{n}_x"
        if r < 0.8:
            return f'"io.containerd.k{n}"', f"io.containerd.k{n}"
        if r < 0.9:
            return f"'lit {n}'", f"lit {n}"
        return f'"esc\\t\\u00e9{n}"', f"esc\t\u00e9{n}"

    def comment(self, owner: Path, indent: str = "") -> str:
        self.n += 1
        marker = f"#@c{self.n}@"
        self.owners[marker] = owner
        return f"{indent}{marker} comment"

    def eq(self) -> str:
        return self.rnd.choice([" = ", "=", "  =  ", "\t= "])

    def value(self, key_path: Path, indent: str, depth: int = 0) -> str:
        r = self.rnd.random()
        if r < 0.6 or depth > 1:
            return self.rnd.choice(SCALARS)
        if r < 0.75:
            items = [self.value(key_path, indent, depth + 1) for _item in range(self.rnd.randint(0, 3))]
            if self.rnd.random() < 0.5 or not items:
                return "[" + ", ".join(items) + "]"
            # a multi-line array with comments, a comment line and a trailing comma
            lines = ["["]
            for item in items:
                lines.append(f"{indent}  {item}, # tail")
                if self.rnd.random() < 0.5:
                    lines.append(self.comment(key_path, indent + "  "))
            lines.append(f"{indent}]")
            return "\n".join(lines)
        return self.inline(depth)

    def inline(self, depth: int) -> str:
        items = []
        for _item in range(self.rnd.randint(0, 3)):
            text, _key = self.fresh()
            if self.rnd.random() < 0.3:
                sub, _sub = self.fresh()
                text = f"{text}.{sub}"
            value = self.inline(depth + 1) if depth < 2 and self.rnd.random() < 0.3 else self.rnd.choice(SCALARS)
            if "\n" in value:  # TOML 1.0: an inline table is one line
                value = self.rnd.choice(DATES)
            items.append(f"{text} = {value}")
        return "{ " + ", ".join(items) + " }" if items else "{}"

    def body(self, table: Path, owner: Path, indent: str, texts: list[str] | None = None) -> None:
        """Key/values (plain, dotted, inline tables), comment lines and blank lines of one table."""
        for _line in range(self.rnd.randint(0, 4)):
            r = self.rnd.random()
            if r < 0.15:
                self.lines.append(self.comment(owner, indent))
            elif r < 0.22:
                self.lines.append("")
            elif r < 0.4:
                # a table written with dotted keys, two or three of them
                ptext, pkey = self.fresh()
                if texts is not None:  # a later [table.pkey.sub] header may extend it
                    self.dotted_parents.append(([*texts, ptext], (*table, pkey)))
                for _dotted in range(self.rnd.randint(1, 3)):
                    text, key = self.fresh()
                    self.lines.append(
                        f"{indent}{ptext}.{text}{self.eq()}{self.value((*table, pkey, key), indent)}{self.tail()}"
                    )
            else:
                text, key = self.fresh()
                self.lines.append(f"{indent}{text}{self.eq()}{self.value((*table, key), indent)}{self.tail()}")

    def tail(self) -> str:
        return "  # trailing" if self.rnd.random() < 0.2 else ""

    def header(self, texts: list[str], path: Path, aot: bool = False) -> str:
        ind = "  " * (len(path) - 1) if self.indented else ""
        inner = self.rnd.choice([".", " . "]).join(texts)
        return f"{ind}[[{inner}]]" if aot else f"{ind}[{inner}]"

    def section(self) -> None:
        r = self.rnd.random()
        if r < 0.12 and self.implicit:
            texts, path = self.implicit.pop(self.rnd.randrange(len(self.implicit)))
            self.table(texts, path)
            return
        if r < 0.2 and self.aots:  # one more element of an array of tables, after other tables
            self.aot(*self.rnd.choice(self.aots), elements=1)
            return
        ptexts, ppath = self.rnd.choice([([], ()), *self.parents, *self.dotted_parents])
        text, key = self.fresh()
        texts, path = [*ptexts, text], (*ppath, key)
        if r < 0.3:
            self.aot(texts, path)
            return
        if self.rnd.random() < 0.2:  # skip a level: [a.b.c] with a.b only implied
            self.implicit.append((texts, path))
            sub, skey = self.fresh()
            texts, path = [*texts, sub], (*path, skey)
        self.table(texts, path)

    def table(self, texts: list[str], path: Path) -> None:
        if self.rnd.random() < 0.3:
            self.lines.append(self.comment(path[:-1]))  # a comment above belongs to what is above
        self.lines.append(self.header(texts, path) + self.tail())
        self.parents.append((texts, path))
        self.body(path, path, (("  " * (len(path) - 1)) if self.indented else "") + self.key_indent, texts)
        if self.rnd.random() < 0.5:
            self.lines.append("")

    def aot(self, texts: list[str], path: Path, elements: int = 0) -> None:
        if not elements:
            self.aots.append((texts, path))
        sub_text, _sub = self.fresh()
        arr_text, _arr = self.fresh()
        indent = (("  " * (len(path) - 1)) if self.indented else "") + self.key_indent
        for _element in range(elements or self.rnd.randint(1, 3)):
            self.lines.append(self.header(texts, path, aot=True))
            self.body(path, path, indent)
            if self.rnd.random() < 0.4:
                self.lines.append(self.header([*texts, sub_text], (*path, _sub)))
                self.body(path, path, indent)
            if self.rnd.random() < 0.3:
                self.lines.append(self.header([*texts, arr_text], (*path, _arr), aot=True))
                self.body(path, path, indent)
            if self.rnd.random() < 0.5:
                self.lines.append("")

    def document(self) -> Doc:
        if self.rnd.random() < 0.3:
            self.lines.append(self.comment(()))
        self.body((), (), "", [])
        for _section in range(self.rnd.randint(0, 7)):
            self.section()
        text = "\n".join(self.lines) + "\n"
        if self.rnd.random() < 0.2:
            text = text.replace("\n", "\r\n")
        if self.rnd.random() < 0.2:
            text = text.rstrip("\r\n")
        crlf = "\r\n" in text  # a one-line file without its line end says nothing about its line ends
        bom = self.rnd.random() < 0.1
        return Doc(BOM + text if bom else text, self.owners, crlf, bom)


# ---------------------------------------------------------------------------- the edits

NEW_VALUES: list[Any] = [
    7,
    -1,
    0,
    2**63 - 1,
    1.5,
    -0.0,
    1e300,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
    False,
    "",
    "it's",
    'q"uote',
    "back\\slash",
    "multi\nline",
    "tab\there",
    "\x01ctl\x7f",
    "é ü 漢",
    "#@ not a marker",
    dt.datetime(1979, 5, 27, 7, 32, tzinfo=dt.timezone(dt.timedelta(0))),
    dt.datetime(1979, 5, 27, 0, 32, 0, 999999, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(1979, 5, 27, 0, 32, tzinfo=dt.timezone(-dt.timedelta(hours=7))),
    dt.datetime(1979, 5, 27, 7, 32),
    dt.date(1979, 5, 27),
    dt.time(7, 32),
    dt.time(0, 32, 0, 500000),
    [],
    [1, 2],
    ["a", 1.5, True, dt.date(2000, 1, 1)],
    [[1], ["x"], []],
    [{"a": 1}, {"b": {"c": "x"}}],
    [{}],
]
NEW_KEYS = ["new", "new key", "a.b", "", "nl\n", "quote'\"", "ü", "k1"]


def new_table(rnd: random.Random, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(rnd.randint(0, 3)):
        key = rnd.choice(NEW_KEYS) + str(i)
        if depth < 2 and rnd.random() < 0.3:
            out[key] = new_table(rnd, depth + 1)
        elif rnd.random() < 0.1:
            out[key] = [new_table(rnd, 2), new_table(rnd, 2)]  # an array of tables
        else:
            out[key] = rnd.choice(NEW_VALUES)
    return out


def walk(data: dict[str, Any], prefix: Path = ()) -> list[tuple[Path, Any]]:
    out = []
    for key, value in data.items():
        out.append(((*prefix, key), value))
        if isinstance(value, dict):
            out.extend(walk(value, (*prefix, key)))
    return out


def copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy(v) for v in value]
    return value


def assign(data: dict[str, Any], path: Path, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = copy(value)


def unassign(data: dict[str, Any], path: Path) -> None:
    for part in path[:-1]:
        data = data[part]
    del data[path[-1]]


def get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def equal(a: Any, b: Any) -> bool:
    """Exact TOML equality: types, key sets, nan, the sign of zero, date-time offsets."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return set(a) == set(b) and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))  # noqa: B905 - Python 3.9
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (dt.datetime, dt.time)):
        return bool(a == b) and a.utcoffset() == b.utcoffset()
    return bool(a == b)


@dataclass
class Edit:
    op: str
    path: Path
    value: Any = None
    table: bool = False  # the new value is written as a table (create_table)


def pick_edit(rnd: random.Random, data: dict[str, Any]) -> Edit:
    known = walk(data)
    tables = [((), data)] + [(p, v) for p, v in known if isinstance(v, dict)]
    leaves = [(p, v) for p, v in known if not isinstance(v, dict)]
    roll = rnd.random()
    if leaves and roll < 0.3:
        path, old = rnd.choice(leaves)
        aot = isinstance(old, list) and old and all(isinstance(x, dict) for x in old)
        value = [new_table(rnd), new_table(rnd)] if aot and rnd.random() < 0.6 else rnd.choice(NEW_VALUES)
        return Edit("set", path, value)
    if roll < 0.55 or not known:
        base, table = rnd.choice(tables)
        key = rnd.choice(NEW_KEYS) + "-n"
        while key in table:
            key += "+"
        if rnd.random() < 0.5:
            return Edit("add", (*base, key), new_table(rnd), table=True)
        return Edit("add", (*base, key), rnd.choice(NEW_VALUES))
    path, old = rnd.choice(known)
    if roll < 0.8:
        return Edit("delete", path)
    if isinstance(old, dict):
        return Edit("replace", path, rnd.choice(NEW_VALUES))
    return Edit("replace", path, new_table(rnd), table=True)


def apply(doc: E.Document, edit: Edit) -> None:
    if edit.op in ("delete", "replace"):
        doc.delete(edit.path)
        if edit.op == "delete":
            return
    if edit.table:
        doc.create_table(edit.path, edit.value)
    else:
        doc.set_value(edit.path, edit.value)


# ---------------------------------------------------------------------------- the judge


@dataclass
class Figures:
    docs: int = 0
    rejected_by_generator: int = 0
    edits: int = 0
    refused: list[str] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"docs={self.docs} edits={self.edits} refused={len(self.refused)} corrupted={len(self.corrupted)}"
            f" (generator drafts the judge rejected: {self.rejected_by_generator})"
        )


def judge_edit(before: Doc, doc: E.Document, expected: dict[str, Any], lost_ok: list[Path]) -> str | None:
    """What is wrong with the edited text, or None."""
    text = doc.text
    if before.bom != text.startswith(BOM):
        return "the BOM was not kept"
    body = text[1:] if before.bom else text
    if before.crlf and re.search(r"(?<!\r)\n", body):
        return "a bare LF in a CRLF file"
    try:
        got = judge.loads(body)
    except judge.TOMLDecodeError as exc:
        return f"not TOML: {exc}"
    if not equal(got, expected):
        return f"data differ:\n  got      {got!r}\n  expected {expected!r}"
    for marker, owner in before.owners.items():
        if marker in before.text and marker not in text and not any(owner[: len(p)] == p for p in lost_ok):
            return f"comment {marker} of {owner} lost"
    return None


def vanish_empty_parents(got_text: str, expected: dict[str, Any], path: Path) -> None:
    """A table that only the removed key defined may go with it (a dotted key, an implied super-table)."""
    try:
        got = judge.loads(got_text.lstrip(BOM))
    except judge.TOMLDecodeError:
        return  # judge_edit reports it
    for depth in range(len(path) - 1, 0, -1):
        parent = path[:depth]
        if get(expected, parent) == {} and not E.has_path(got, parent):
            unassign(expected, parent)
        else:
            break


def fuzz(first: int, count: int) -> Figures:
    figures = Figures()
    seed = first * 1_000_003
    while figures.docs < count:
        seed += 1
        rnd = random.Random(seed)
        draft = Gen(rnd).document()
        try:
            data = judge.loads(draft.text.lstrip(BOM))
        except judge.TOMLDecodeError:
            figures.rejected_by_generator += 1
            continue
        figures.docs += 1
        try:
            doc = E.Document(draft.text, f"seed-{seed}")
        except E.TomlError as exc:
            figures.refused.append(f"seed {seed}: the document was refused: {exc}")
            continue
        expected = copy(data)
        lost_ok: list[Path] = []
        for _step in range(rnd.randint(1, 3)):
            edit = pick_edit(rnd, expected)
            figures.edits += 1
            try:
                apply(doc, edit)
            except E.TomlError as exc:
                figures.refused.append(f"seed {seed} {edit.op} {edit.path}: {exc}")
                break
            if edit.op in ("delete", "replace", "set"):
                lost_ok.append(edit.path)
            if edit.op in ("delete", "replace"):
                unassign(expected, edit.path)
                vanish_empty_parents(doc.text, expected, edit.path)
            if edit.op != "delete":
                assign(expected, edit.path, edit.value)
            problem = judge_edit(draft, doc, expected, lost_ok)
            if problem is not None:
                figures.corrupted.append(f"seed {seed} {edit.op} {edit.path!r} -> {edit.value!r}: {problem}")
                break
    return figures


@pytest.mark.parametrize("block", range(BLOCKS))
def test_random_documents_and_edits(block: int) -> None:
    per_block = -(-DOCS // BLOCKS)
    figures = fuzz(SEED * BLOCKS + block, per_block)
    print(figures.line())
    assert figures.corrupted == []
    assert figures.refused == []
    assert figures.rejected_by_generator < figures.docs  # the generator writes TOML, mostly


@pytest.mark.skipif(
    not E.HAS_TOMLKIT or not E.tomlkit_usable(), reason="tomlkit missing or older than TOMLKIT_MIN (refused)"
)
def test_tomlkit_fallback_never_corrupts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where neither tomllib nor tomli exists, the editor reads with tomlkit. tomlkit 0.15 refuses
    some valid documents (a [table] under a table made of dotted keys: "Key ... already exists");
    that refusal is its own, happens before any edit and writes nothing. Every edit it reads must
    still come out exact."""
    pytest.importorskip("tomlkit")
    monkeypatch.setattr(E, "HAS_TOMLLIB", False)
    figures = fuzz(SEED * BLOCKS + 99, 200)
    assert figures.corrupted == []
    assert [r for r in figures.refused if "the document was refused" not in r] == []
    assert len(figures.refused) < figures.docs // 4


def test_generator_covers_every_form() -> None:
    """The fuzz is only as good as what it writes: every listed form must occur in a default run."""
    texts = "\n".join(Gen(random.Random(seed)).document().text for seed in range(300))
    for form in [
        "[[",
        " . ",
        "{ ",
        "{}",
        "1979-05-27 07:32:00Z",
        "1979-05-27T07:32:00",
        "07:32:00",
        "nan",
        "-inf",
        "'''",
        '"""',
        "'lit ",
        '"io.containerd.',
        "#@c",
        "\r\n",
        BOM,
        "0x1F",
    ]:
        assert form in texts, form
    assert any(not Gen(random.Random(s)).document().text.endswith("\n") for s in range(50))


# ---------------------------------------------------------------------------- each refusal the fuzz found

CRI = 'plugins."io.containerd.grpc.v1.cri"'
KATA = ("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "kata")


def edited(text: str, *edits: Edit) -> tuple[E.Document, dict[str, Any]]:
    doc = E.Document(text, "t.toml")
    for edit in edits:
        apply(doc, edit)
    return doc, judge.loads(doc.text.lstrip(BOM))


def test_array_of_tables_is_replaced_in_place_as_blocks() -> None:
    text = (
        "# head\n[a]\nx = 1\n\n[[a.hosts]]\nname = 'one'\n[a.hosts.tls]\nca = 'c1'\n\n"
        "[[a.hosts]]\nname = 'two'\n\n# tail comment\n[b]\ny = 2\n"
    )
    new = [{"name": "three", "tls": {"ca": "c3"}}, {"name": "four"}]
    doc, got = edited(text, Edit("set", ("a", "hosts"), new))
    assert got == {"a": {"x": 1, "hosts": new}, "b": {"y": 2}}
    assert doc.text.count("[[a.hosts]]") == 2
    assert "[a.hosts.tls]" in doc.text
    assert "# head" in doc.text
    assert "# tail comment" in doc.text
    assert doc.text.index("[[a.hosts]]") < doc.text.index("[b]")


def test_array_of_tables_with_sub_tables_is_removed_whole() -> None:
    text = "[[a.b]]\nx = 1\n[a.b.sub]\ny = 2\n[[a.b.sub2]]\nz = 3\n[[a.b]]\nx = 4\n[a.c]\nk = 'v'\n"
    doc, got = edited(text, Edit("delete", ("a", "b")))
    assert got == {"a": {"c": {"k": "v"}}}
    assert "a.b" not in doc.text


def test_inline_table_holding_a_date_time_is_edited_and_keeps_its_other_values_verbatim() -> None:
    text = "opts = { since = 1979-05-27 07:32:00Z, mask = 0o755, day = 1979-05-27, at = 07:32:00 }  # keep\n"
    doc, got = edited(text, Edit("set", ("opts", "mask"), 0o700), Edit("add", ("opts", "new"), {"t": dt.time(1, 2)}))
    assert got["opts"]["mask"] == 0o700
    assert got["opts"]["new"] == {"t": dt.time(1, 2)}
    assert got["opts"]["since"] == dt.datetime(1979, 5, 27, 7, 32, tzinfo=dt.timezone(dt.timedelta(0)))
    assert "since = 1979-05-27 07:32:00Z" in doc.text
    assert "day = 1979-05-27," in doc.text
    assert "# keep" in doc.text


def test_date_time_written_with_a_space_is_replaced_whole() -> None:
    text = "[t]\nwhen = 1979-05-27 07:32:00.5-07:00 # when\nafter = 1\n"
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    doc, got = edited(text, Edit("set", ("t", "when"), when))
    assert got == {"t": {"when": when, "after": 1}}
    assert doc.text == "[t]\nwhen = 2026-01-02T03:04:05+01:00 # when\nafter = 1\n"


@pytest.mark.parametrize("literal", ["nan", "+nan", "-nan", "inf", "+inf", "-inf"])
def test_nan_and_inf_in_the_file(literal: str) -> None:
    text = f"[a]\nx = {literal}\nl = [{literal}, 1.0]\n"
    data = E.parse(text, "t")
    assert E.same(data, E.parse(text, "t"))  # nan equals nan here, or every merge would be a change
    doc, got = edited(text, Edit("add", ("a", "y"), float("-inf")), Edit("set", ("a", "x"), float("nan")))
    assert math.isnan(got["a"]["x"])
    assert got["a"]["y"] == float("-inf")
    assert f"l = [{literal}, 1.0]" in doc.text


def test_a_bom_is_read_and_kept() -> None:
    text = BOM + "version = 2\r\n\r\n[plugins]\r\n  x = 1\r\n"
    assert E.parse(text, "t") == {"version": 2, "plugins": {"x": 1}}
    doc, got = edited(text, Edit("add", ("plugins", "y"), 2))
    assert doc.text.startswith(BOM)
    assert doc.text.count(BOM) == 1
    assert doc.text == BOM + "version = 2\r\n\r\n[plugins]\r\n  x = 1\r\n  y = 2\r\n"
    assert got == {"version": 2, "plugins": {"x": 1, "y": 2}}


def test_an_empty_handler_table_is_removed() -> None:
    text = f"version = 2\n\n[{CRI}.containerd.runtimes.runc]\n  runtime_type = 'io.containerd.runc.v2'\n\n"
    text += f"[{CRI}.containerd.runtimes.kata]\n"
    doc, got = edited(text, Edit("delete", KATA))
    assert "kata" not in doc.text
    assert "kata" not in got["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]


def test_a_key_ending_in_a_newline_is_quoted() -> None:
    assert E.render_key("kata\n") == '"kata\\n"'
    assert E.dotted(("a", "kata\n")) == 'a."kata\\n"'
    _doc, got = edited("[a]\n", Edit("add", ("a", "kata\n"), {"x": 1}))
    assert got == {"a": {"kata\n": {"x": 1}}}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a = 1\nb = = 2\n", "t.toml: line 2, column 5: "),
        ("a = 1\n[t\n", "t.toml: line 2, column 3: "),
        ('a = "open', "t.toml: line 1, column 10 (end of file): "),
    ],
)
def test_parse_errors_name_the_file_line_and_column(text: str, where: str) -> None:
    # the position is judge's own (tomllib/tomli): the reader must pass it on, not lose it
    with pytest.raises(judge.TOMLDecodeError):
        judge.loads(text)
    with pytest.raises(E.TomlError) as refused:
        E.parse(text, "t.toml")
    assert str(refused.value).startswith(where)


@pytest.mark.skipif(not E.HAS_TOMLKIT or not E.tomlkit_usable(), reason="tomlkit missing or older than TOMLKIT_MIN")
def test_parse_with_tomlkit_names_the_line_too() -> None:
    assert E.parse("a = 1\n[t]\nx = 2\n", "t.toml", use_tomlkit=True) == {"a": 1, "t": {"x": 2}}
    with pytest.raises(E.TomlError, match=r"^t\.toml: line 2, column \d+: "):
        E.parse("a = 1\nb = = 2\n", "t.toml", use_tomlkit=True)


def test_an_old_tomlkit_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    assert E.tomlkit_usable("0.11.8")
    assert E.tomlkit_usable("0.13.2")
    assert not E.tomlkit_usable("0.11.4")  # EPEL 9's: misreads out-of-order tables
    assert not E.tomlkit_usable("0.7.0")
    if not E.HAS_TOMLKIT:
        pytest.skip("no tomlkit to fall back to")
    monkeypatch.setattr(E, "HAS_TOMLLIB", False)
    monkeypatch.setattr(E._tomlkit, "__version__", "0.11.4")
    with pytest.raises(E.TomlError, match=r"^t\.toml: cannot read TOML safely: .* Install python3-tomli"):
        E.parse("a = 1\n", "t.toml")


def test_no_parser_at_all_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(E, "HAS_TOMLLIB", False)
    monkeypatch.setattr(E, "HAS_TOMLKIT", False)
    assert not E.have_parser()
    with pytest.raises(E.TomlError, match="no TOML parser: install python3-tomli or python3-tomlkit"):
        E.parse("a = 1\n", "t.toml")


def test_paths_into_parsed_data() -> None:
    data = {"a": {"b": {"c": 1}}, "v": 2}
    assert E.get_path(data, ("a", "b", "c")) == 1
    assert E.has_path(data, ("a", "b"))
    assert not E.has_path(data, ("a", "x"))
    assert not E.has_path(data, ("v", "below"))  # through a value: not a path
    with pytest.raises(KeyError):
        E.get_path(data, ("v", "below"))


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1, True),
        (1, True, False),
        (1, 1.0, False),
        (-0.0, 0.0, False),
        (float("nan"), float("nan"), True),
        (
            dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(0))),
            dt.datetime(2000, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            False,
        ),
        ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}, True),
        ({"a": [1]}, {"a": [1, 2]}, False),
    ],
)
def test_same_tells_what_toml_tells_apart(a: Any, b: Any, equal: bool) -> None:
    assert E.same(a, b) is equal


def test_pruned_drops_only_empty_tables() -> None:
    assert E.pruned({"a": {"b": {}}, "c": [], "d": [{}], "e": {"f": 0}}) == {"c": [], "d": [{}], "e": {"f": 0}}


@pytest.mark.parametrize(
    ("text", "path", "reason"),
    [
        ("a = 1\n", ("a", "b"), "a is a value, not a table"),
        ("[[a]]\nx = 1\n", ("a", "x"), "a is an array of tables, not a table"),
        ("a = [1]\n", ("a", "b", "c"), "a is a value, not a table"),
    ],
)
def test_genuinely_impossible_edits_are_refused_with_a_reason(text: str, path: Path, reason: str) -> None:
    """The only refusals left: a key path through a value, or into one element of an array of tables."""
    doc = E.Document(text, "t.toml")
    for edit in (lambda: doc.set_value(path, 1), lambda: doc.delete(path), lambda: doc.create_table(path, {})):
        with pytest.raises(E.TomlError, match=f"t.toml: cannot edit .*: {reason}"):
            edit()
    assert doc.text == text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (dt.time(7, 32, tzinfo=dt.timezone(dt.timedelta(hours=1))), "TOML has no time of day with a UTC offset"),
        (dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(seconds=30))), "TOML offsets are whole minutes"),
        (None, "of type NoneType cannot be written to TOML"),
        (b"bytes", "of type bytes cannot be written to TOML"),
        ({1, 2}, "of type set cannot be written to TOML"),
    ],
)
@pytest.mark.parametrize(("text", "path"), [("a = 1\n", ("a",)), ("t = { a = 1, b = 2 }\n", ("t", "a"))])
def test_values_toml_cannot_hold_are_refused_with_a_reason(value: Any, reason: str, text: str, path: Path) -> None:
    doc = E.Document(text, "t.toml")
    with pytest.raises(E.TomlError, match=re.escape(reason)):
        doc.set_value(path, value)
    assert doc.text == text
    assert doc.data == judge.loads(text)


def test_verify_catches_a_text_that_does_not_hold_the_data() -> None:
    doc = E.Document("a = 1\n", "t.toml")
    doc.set_value(("a",), 2)
    assert doc.verify() == {"a": 2}
    doc.data["a"] = 3  # what a bug in an edit would look like
    with pytest.raises(E.TomlError, match="internal error, the edited text does not hold the edited data"):
        doc.verify()


def test_removing_the_last_dotted_key_takes_only_its_own_line() -> None:
    text = "[t]\n# c1\nrun.a = 1\n# c2\nrun.b = 2\nother = 3\n"
    doc, got = edited(text, Edit("delete", ("t", "run", "a")), Edit("delete", ("t", "run", "b")))
    assert doc.text == "[t]\n# c1\n# c2\nother = 3\n"
    assert got == {"t": {"other": 3}}


# ---------------------------------------------------------------------------- cost


def big_config(handlers: int) -> str:
    parts = [f"version = 2\n\n[{CRI}]\n  sandbox_image = 'pause'\n"]
    for i in range(handlers):
        parts.append(
            f'\n# handler {i}\n[{CRI}.containerd.runtimes.h{i}]\n  runtime_type = "io.containerd.h{i}.v2"\n'
            f'  pod_annotations = ["a/*", "b"]\n[{CRI}.containerd.runtimes.h{i}.options]\n'
            f'  BinaryName = "/usr/bin/h{i}"\n  SystemdCgroup = true\n'
        )
    return "".join(parts)


@pytest.mark.parametrize("handlers", [10, 80, 640])
def test_an_edit_costs_a_bounded_number_of_passes_whatever_the_size(handlers: int) -> None:
    """Scans of the whole text and rebuilds of it per edit do not grow with the file (issue 10, item 10).

    Every lookup between them goes through the scan's dictionaries; make bench shows the time per MB."""
    doc = E.Document(big_config(handlers), "big.toml")
    assert (doc.scans, doc.splices) == (0, 0)  # reading costs one parse, no scan
    doc.create_table((*KATA[:-1], "kata"), {"runtime_type": "io.containerd.kata.v2", "options": {"X": 1}})
    doc.set_value((*KATA[:-1], "h3", "options", "SystemdCgroup"), False)
    doc.set_value((*KATA[:-1], "h5", "new"), "v")
    doc.delete((*KATA[:-1], "h7"))
    assert (doc.scans, doc.splices) == (4, 4)  # one scan before each edit, one rebuild per edit
    doc.verify()


if __name__ == "__main__":
    total = Figures()
    for block in range(BLOCKS):
        got = fuzz(SEED * BLOCKS + block, -(-DOCS // BLOCKS))
        total.docs += got.docs
        total.edits += got.edits
        total.rejected_by_generator += got.rejected_by_generator
        total.refused += got.refused
        total.corrupted += got.corrupted
    print(total.line())
    for problem in total.refused[:20] + total.corrupted[:20]:
        print(" ", problem)
    sys.exit(1 if total.refused or total.corrupted else 0)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("a", ("a",)),
        ('plugins."io.containerd.grpc.v1.cri".containerd', ("plugins", "io.containerd.grpc.v1.cri", "containerd")),
        ("hypervisor . qemu", ("hypervisor", "qemu")),
        ("'lit.eral'.\"esc\\u0041\"", ("lit.eral", "escA")),
    ],
)
def test_dotted_key_reads_toml_key_syntax(text: str, path: tuple[str, ...]) -> None:
    assert E.dotted_key(text) == path


@pytest.mark.parametrize(
    ("text", "syntax"), [("a..b", True), ("a = 1", True), ("", True), ("a = 1\nb", False), ("a.b = 1\nc", False)]
)
def test_dotted_key_refuses_what_is_not_one_key(text: str, syntax: bool) -> None:
    with pytest.raises(E.DottedKeyError) as err:
        E.dotted_key(text)
    assert err.value.syntax is syntax
