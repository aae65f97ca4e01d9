# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Setting and removing keys of TOML files other tools ship, judged by the standard library's parser.

Every result is read back with ``tomllib`` (``tomli`` on Python < 3.11), never with the editor's
own scanner, and the bytes a user did not ask to change are compared with the original text.
The Kata files are the ones Kata's release layout ships (the kata role's stand-in archive has
that layout and those keys); Kata's own runtime, the real reader, cannot run here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _toml_file as T
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import TomlError

from .kata_standin import NO_REAL, REAL, SECTIONS, guest_path, standin_defaults

try:
    import tomllib as judge
except ImportError:  # Python < 3.11: tomli is the same parser
    import tomli as judge  # type: ignore[no-redef]


KATA_LIKE = """\
# Kata-like configuration
[hypervisor.qemu]
path = "/opt/kata/bin/qemu-system-x86_64"
kernel = "/opt/kata/share/kata-containers/vmlinux.container"
image = "/opt/kata/share/kata-containers/kata-containers.img"
# initrd = "/opt/kata/share/kata-containers/kata-containers-initrd.img"
rootfs_type="ext4"
default_memory = 2048

[agent.kata]
dial_timeout = 45

[runtime]
internetworking_model="tcfilter"
"""


def edit(text: str, sets: dict[str, Any] | None = None, removes: list[Any] | None = None) -> T.Edit:
    return T.edit_text(text, "/etc/x.toml", T.settings(sets), [T.key_path(r, "remove") for r in removes or []])


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ("hypervisor.qemu.image", ("hypervisor", "qemu", "image")),
        (
            'plugins."io.containerd.grpc.v1.cri".sandbox_image',
            ("plugins", "io.containerd.grpc.v1.cri", "sandbox_image"),
        ),
        ("a . 'b c' . d", ("a", "b c", "d")),
        (["servers", "db.example.com"], ("servers", "db.example.com")),
    ],
)
def test_key_path(entry: Any, path: tuple[str, ...]) -> None:
    assert T.key_path(entry, "set") == path


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("a..b", "not a TOML dotted key"),
        ("a = 1", "not a TOML dotted key"),
        ([], "non-empty list"),
        (["a", 1], "non-empty list"),
        (3, "non-empty list"),
    ],
)
def test_key_path_refused(entry: Any, message: str) -> None:
    with pytest.raises(T.TomlFileError, match=message):
        T.key_path(entry, "remove")


def test_null_and_duplicate_spellings_name_the_key() -> None:
    with pytest.raises(T.TomlFileError, match=r"set: hypervisor\.qemu\.image is null"):
        T.settings({"hypervisor.qemu.image": None})
    with pytest.raises(T.TomlFileError, match=r"set: runtime\.x\[1\] is null"):
        T.settings({"runtime.x": [1, None]})
    with pytest.raises(T.TomlFileError, match=r"name the same key a\.b"):
        T.settings({"a.b": 1, '"a".b': 2})


def test_set_existing_value_changes_one_line_only() -> None:
    out = edit(KATA_LIKE, {"hypervisor.qemu.default_memory": 4096})
    assert out.text == KATA_LIKE.replace("default_memory = 2048", "default_memory = 4096")
    assert out.changed_keys == ["hypervisor.qemu.default_memory"]
    assert judge.loads(out.text)["hypervisor"]["qemu"]["default_memory"] == 4096


def test_initrd_instead_of_image_keeps_comments_and_order() -> None:
    initrd = "/opt/kata/share/kata-containers/kata-containers-initrd.img"
    out = edit(KATA_LIKE, {"hypervisor.qemu.initrd": initrd}, ["hypervisor.qemu.image"])
    data = judge.loads(out.text)
    assert data["hypervisor"]["qemu"]["initrd"] == initrd
    assert "image" not in data["hypervisor"]["qemu"]
    # every other line is as it was, in its order (the new key closes its table)
    kept = [line for line in KATA_LIKE.splitlines() if not line.startswith("image =")]
    assert [line for line in out.text.splitlines() if not line.startswith("initrd =")] == kept
    assert out.text.index('initrd = "') < out.text.index("[agent.kata]")


def test_second_run_keeps_text_byte_for_byte() -> None:
    first = edit(KATA_LIKE, {"hypervisor.qemu.initrd": "/i"}, ["hypervisor.qemu.image"])
    again = edit(first.text, {"hypervisor.qemu.initrd": "/i"}, ["hypervisor.qemu.image"])
    assert again.text == first.text
    assert again.changed_keys == []


def test_same_value_different_type_is_a_change() -> None:
    out = edit("[runsc_config]\ndebug = true\n", {"runsc_config.debug": "true"})
    assert judge.loads(out.text) == {"runsc_config": {"debug": "true"}}
    out = edit("x = 1\n", {"x": True})
    assert judge.loads(out.text) == {"x": True}


def test_new_keys_and_tables_go_next_to_their_relatives() -> None:
    out = edit(KATA_LIKE, {"agent.kata.enable_debug": True, "factory.enable_template": True, "top": "v"})
    data = judge.loads(out.text)
    assert data["agent"]["kata"] == {"dial_timeout": 45, "enable_debug": True}
    assert data["factory"] == {"enable_template": True}
    assert data["top"] == "v"
    # a root key goes before the first table, above the comment that belongs to that table's header
    assert out.text.startswith('top = "v"\n\n# Kata-like configuration\n[hypervisor.qemu]\n')
    assert out.text.index("enable_debug = true") < out.text.index("[runtime]")


def test_table_value_replaces_the_table() -> None:
    out = edit(KATA_LIKE, {"agent.kata": {"enable_debug": True}})
    assert judge.loads(out.text)["agent"]["kata"] == {"enable_debug": True}


def test_remove_table_and_absent_key() -> None:
    out = edit(KATA_LIKE, removes=["agent", "not.there"])
    data = judge.loads(out.text)
    assert "agent" not in data
    assert out.changed_keys == ["agent"]
    assert "# Kata-like configuration" in out.text
    assert edit(KATA_LIKE, removes=["not.there"]).text == KATA_LIKE


def test_dotted_and_inline_forms() -> None:
    text = "[hypervisor]\nqemu.path = '/q'  # why\nclh = { path = '/c', image = '/i' }\n"
    out = edit(text, {"hypervisor.qemu.image": "/x", "hypervisor.clh.initrd": "/r"}, ["hypervisor.clh.image"])
    assert judge.loads(out.text) == {
        "hypervisor": {"qemu": {"path": "/q", "image": "/x"}, "clh": {"path": "/c", "initrd": "/r"}}
    }
    assert "qemu.path = '/q'  # why" in out.text
    assert "qemu.image = '/x'" in out.text  # the file's quote style


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufeff# c\r\n[runtime]\r\nx = 1\r\n"
    out = edit(text, {"runtime.y": 2})
    assert out.text == "\ufeff# c\r\n[runtime]\r\nx = 1\r\ny = 2\r\n"


def test_errors_name_file_line_and_key() -> None:
    with pytest.raises(TomlError, match=r"^/etc/x\.toml: line 3, column \d+"):
        edit("[a]\nx = 1\ny = = 2\n", {"a.z": 1})
    with pytest.raises(TomlError, match=r"/etc/x\.toml: cannot edit runtime\.x\.y: runtime\.x is a value, not a table"):
        edit("[runtime]\nx = 1\n", {"runtime.x.y": 1})
    with pytest.raises(TomlError, match=r"/etc/x\.toml: cannot edit a\.b: a is an array of tables"):
        edit("[[a]]\nb = 1\n", {"a.b": 2})
    with pytest.raises(T.TomlFileError, match=r"remove: a and set: a\.b overlap"):
        edit("[a]\nb = 1\n", {"a.b": 2}, ["a"])


# --------------------------------------------------------------------------- Kata's release layout


@pytest.fixture(scope="module")
def kata_defaults(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kata's share/defaults/kata-containers, unpacked from the kata role's stand-in release archive."""
    return standin_defaults(tmp_path_factory)


@pytest.mark.parametrize("boot", ["image", "initrd"])
@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_kata_release_configs_as_the_role_edits_them(kata_defaults: Path, name: str, boot: str) -> None:
    """The kata role's edit of each shipped config: Kata reads [hypervisor.<section>] image or initrd, not both."""
    section = SECTIONS[name]
    text = (kata_defaults / name).read_text()
    other = "initrd" if boot == "image" else "image"
    wanted = guest_path(boot)
    out = edit(text, {f"hypervisor.{section}.{boot}": wanted}, [f"hypervisor.{section}.{other}"])
    before, after = judge.loads(text), judge.loads(out.text)
    assert after["hypervisor"][section][boot] == wanted
    assert other not in after["hypervisor"][section]
    # everything else Kata reads is as shipped
    for key in ("image", "initrd"):
        before["hypervisor"][section].pop(key, None)
        after["hypervisor"][section].pop(key, None)
    assert after == before
    assert all(line in out.text.splitlines() for line in text.splitlines() if line.startswith("#"))


# --------------------------------------------------------------------------- Kata's real files (corpus)


@pytest.mark.skipif(not REAL, reason=NO_REAL)
@pytest.mark.parametrize("boot", ["image", "initrd"])
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_kata_config(path: Path, boot: str) -> None:
    """Kata's own configuration (rendered from its template): the keys Kata reads get our values, nothing else moves."""
    text = path.read_text(encoding="utf-8")
    before = judge.loads(text)
    (section,) = before["hypervisor"]  # one hypervisor table per shipped file
    other = "initrd" if boot == "image" else "image"
    wanted = guest_path(boot)
    sets = {
        f"hypervisor.{section}.{boot}": wanted,
        f"hypervisor.{section}.default_memory": 4096,
        "runtime.enable_debug": True,
    }
    out = edit(text, sets, [f"hypervisor.{section}.{other}"])
    after = judge.loads(out.text)
    table = after["hypervisor"][section]
    assert table[boot] == wanted
    assert other not in table
    assert table["default_memory"] == 4096
    assert after["runtime"]["enable_debug"] is True
    expected = judge.loads(text)
    expected["hypervisor"][section].pop(other, None)
    expected["hypervisor"][section].update({boot: wanted, "default_memory": 4096})
    expected["runtime"]["enable_debug"] = True
    assert after == expected
    old_lines, new_lines = text.splitlines(), out.text.splitlines()
    assert [line for line in old_lines if line.lstrip().startswith("#")] == [
        line for line in new_lines if line.lstrip().startswith("#")
    ]
    assert len(set(new_lines) - set(old_lines)) <= 3  # the changed and added keys only
    assert edit(out.text, sets, [f"hypervisor.{section}.{other}"]).text == out.text
