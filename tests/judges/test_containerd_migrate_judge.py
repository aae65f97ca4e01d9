# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real containerd 2.1 judges containerd_config's migration of real version-2 files to version 3.

containerd 2.x reads a version-2 file by migrating it in memory. For every version-2 file of
the corpus (``../shared/corpus/containerd`` or ``$CRI_CORPUS_DIR``) and of our own fixtures,
the module (its real ``main()``, ``config_version: 3``) migrates a copy, and then:

* ``containerd config dump`` of the migrated file equals its dump of the ORIGINAL, key by key
  (the dumps are read with Python's ``tomllib``, not with our editor), apart from the keys
  named in ``KNOWN_DIFFERENCES``;
* every comment line of the original is still in the migrated file (moved keys take the
  comment lines directly above them along);
* the migrated file declares ``version = 3`` and holds no ``io.containerd.grpc.v1.cri`` key
  that version 3 moved elsewhere; a second run changes nothing.

Files the module refuses (a handler on the runc v1 shim, which containerd 2.0 removed) are
recorded as refused, with the handler named; the same file with that handler switched to
``io.containerd.runc.v2`` by the test is then judged like the others (labelled as such).

Known differences from containerd's own in-memory migration, each tested on its own below:

* containerd issue 11600: before the fix of containerd PR 11748 (in 2.0.x and 2.1), ``config
  dump`` did not apply plugin migrations, so the dump of a version-2 file showed the DEFAULT
  sandbox image. containerd 2.1.9 (Debian's, judged here) has the fix; the test asserts that
  the dump of the original carries the file's ``sandbox_image`` and, if a binary without the
  fix ever judges, compares the migrated dump against the file itself for that key.
* a version-2 drop-in under a main file that already has version-3 runtimes: containerd 2.1.9
  merges first and migrates once, so the drop-in's handlers are dropped (the version-3
  ``containerd.runtimes`` wins as one key). Migrating the drop-in itself keeps them; the test
  shows both.

Version 4 (containerd 2.3) has no binary here (Debian has none); the 3 -> 4 step is unit-tested
against upstream's documented layout only (tests/unit/.../test_containerd_migrate.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._containerd_schema import CRI_SERVER_KEYS
from ansible_collections.cri.runtimes.plugins.modules import containerd_config
from tests.unit.plugins.modules.runner import ModuleFail, run_module

from .test_containerd_judge import BINARIES, CACHE, CORPUS, FIXTURES, judged_files, leaves, version_of
from .verdicts import VERDICTS

SUITE = "containerd_config migrate 2->3"
JUDGE = "2.1"
# dump keys where containerd's own migration and ours may differ, with the reason (see module doc)
KNOWN_DIFFERENCES: dict[tuple[str, ...], str] = {}
_RUNC_V1 = re.compile(r"handler (\S+) uses runtime_type '([^']+)'")


def _cases() -> Iterator[Any]:
    for label, path in judged_files():
        if version_of(path.read_text(encoding="utf-8")) == 2:
            yield pytest.param(label, path, id=label)


CASES = list(_cases())


def _dump(config: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [str(BINARIES[JUDGE]), "--config", str(config), "config", "dump"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"containerd {JUDGE} refused {config}: {proc.stderr.strip()[-300:]}"
    return tomllib.loads(proc.stdout)


def _comments(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def _verdict(label: str, verdict: str, detail: str) -> None:
    VERDICTS.append((SUITE, label, JUDGE, verdict, detail))


def _migrate(config: Path, check: bool = False) -> dict[str, Any]:
    validate = f"{BINARIES[JUDGE]} --config %s config dump"
    return run_module(
        containerd_config.main,
        {"path": str(config), "config_version": 3, "validate": validate},
        check=check,
        diff=True,
    )


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lb, la = leaves(before), leaves(after)
    out = []
    for key in sorted(set(lb) | set(la)):
        if key in KNOWN_DIFFERENCES:
            continue
        if lb.get(key, "<absent>") != la.get(key, "<absent>"):
            out.append(f"{'.'.join(key)}: {lb.get(key, '<absent>')!r} -> {la.get(key, '<absent>')!r}")
    return out


def _judge(label: str, original: str, config: Path) -> str:
    """Migrate ``config`` (holding ``original``) and compare containerd's dumps; returns the verdict detail."""
    before = _dump(config)
    sandbox = tomllib.loads(original).get("plugins", {}).get("io.containerd.grpc.v1.cri", {}).get("sandbox_image")
    dumped = before["plugins"]["io.containerd.cri.v1.images"]["pinned_images"].get("sandbox")
    issue_11600 = sandbox is not None and dumped != sandbox
    checked = _migrate(config, check=True)
    assert config.read_text(encoding="utf-8") == original, "check mode changed the file"
    first = _migrate(config)
    assert first["changed"] is checked["changed"] is True, "the migration reported no change"
    assert len(first["diff"]) == 1, f"one diff expected, got {len(first['diff'])}"
    migrated = config.read_text(encoding="utf-8")
    data = tomllib.loads(migrated)
    assert data["version"] == 3
    left = sorted(set(data.get("plugins", {}).get("io.containerd.grpc.v1.cri", {})) - set(CRI_SERVER_KEYS))
    assert not left, f"version-2 CRI keys left under io.containerd.grpc.v1.cri: {left}"
    lost = _comments(original) - _comments(migrated)
    assert not lost, f"comments lost: {list(lost)[:3]}"
    assert _migrate(config)["changed"] is False, "the second run changed the file"
    after = _dump(config)
    diffs = _differences(before, after)
    if issue_11600:
        # this containerd's dump shows the default sandbox image for a version-2 file (issue 11600)
        diffs = [d for d in diffs if not d.startswith("plugins.io.containerd.cri.v1.images.pinned_images.sandbox:")]
        assert after["plugins"]["io.containerd.cri.v1.images"]["pinned_images"]["sandbox"] == sandbox
    assert not diffs, f"{len(diffs)} dump keys differ: {diffs[:4]}"
    n = len(leaves(after))
    note = "; sandbox image judged against the file (containerd issue 11600)" if issue_11600 else ""
    return f"dumps equal ({n} keys), {sum(_comments(original).values())} comments kept{note}"


def _need_judge() -> None:
    if JUDGE not in BINARIES:
        pytest.skip(f"containerd {JUDGE} is not in {CACHE} (run scripts/setup/containerd-debs)")


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is absent ({CORPUS}; set CRI_CORPUS_DIR): corpus skipped")
def test_the_corpus_has_version_2_files() -> None:
    assert any(c.values[0].startswith("corpus/") for c in CASES), f"{CORPUS} holds no version-2 file"


@pytest.mark.parametrize(("label", "source"), CASES)
def test_migrated_file_dumps_as_containerd_migrates_the_original(label: str, source: Path, tmp_path: Path) -> None:
    _need_judge()
    original = source.read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(original, encoding="utf-8")
    try:
        detail = _judge(label, original, config)
    except ModuleFail as exc:
        msg = exc.result["msg"]
        found = _RUNC_V1.search(msg)
        if not found:
            _verdict(label, "FAILED", f"module: {msg[:150]}")
            raise
        assert config.read_text(encoding="utf-8") == original, "a refused migration changed the file"
        _verdict(label, "refused", f"handler {found.group(1)} on {found.group(2)} (removed in containerd 2.0)")
        # the same file with that handler on the runc v2 shim, as the message tells the user to do
        fixed = re.sub(r'"io\.containerd\.runc\.v1"', '"io.containerd.runc.v2"', original)
        config.write_text(fixed, encoding="utf-8")
        try:
            detail = _judge(label, fixed, config)
        except (AssertionError, ModuleFail) as exc2:
            _verdict(label + " (runc.v1 -> v2 by the test)", "FAILED", str(exc2)[:150])
            raise
        _verdict(label + " (runc.v1 -> v2 by the test)", "equal", detail)
        return
    except AssertionError as exc:
        _verdict(label, "FAILED", str(exc).splitlines()[0][:150])
        raise
    _verdict(label, "equal", detail)


def test_dropins_are_migrated_with_the_main_file_and_dump_the_same(tmp_path: Path) -> None:
    """A version-2 main with a kata-deploy-shaped and an nvidia-ctk-shaped drop-in: all three migrated."""
    _need_judge()
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "10-kata.toml").write_text((FIXTURES / "kata-deploy.toml").read_text())
    nvidia = CORPUS / "nvidia-ctk-installer-test-expected-dropin-99-nvidia-v2.toml"
    (conf_d / "99-nvidia.toml").write_text(
        nvidia.read_text() if nvidia.is_file() else (FIXTURES / "nvidia-ctk.toml").read_text()
    )
    main = tmp_path / "config.toml"
    main.write_text(f'imports = ["{conf_d}/*.toml"]\n' + (FIXTURES / "kubespray.toml").read_text())
    texts = {p: p.read_text() for p in (main, *sorted(conf_d.iterdir()))}
    before = _dump(main)
    checked = _migrate(main, check=True)
    assert {p: p.read_text() for p in texts} == texts, "check mode changed a file"
    first = _migrate(main)
    assert len(first["diff"]) == len(checked["diff"]) == 3
    assert [d["after_header"] for d in first["diff"]][-1] == str(main), "the main file is written last"
    for path, text in texts.items():
        migrated = path.read_text()
        assert tomllib.loads(migrated)["version"] == 3, path
        assert not _comments(text) - _comments(migrated), f"{path}: comments lost"
    assert _migrate(main)["changed"] is False
    after = _dump(main)
    assert not _differences(before, after)
    handlers = set(after["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"])
    assert {"runc", "kata-qemu", "nvidia"} <= handlers, handlers
    _verdict("ours/kubespray.toml + 2 drop-ins", "equal", f"3 files migrated, dumps equal, handlers {sorted(handlers)}")


def test_a_version_2_dropin_under_a_version_3_main_loses_its_handlers_in_containerd_but_not_here(
    tmp_path: Path,
) -> None:
    """Named difference: containerd 2.1.9 merges, then migrates once; migrating the drop-in keeps its handlers."""
    _need_judge()
    dropin = tmp_path / "kata.toml"
    dropin.write_text(
        "version = 2\n# kata-deploy\n"
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-qemu]\n'
        '  runtime_type = "io.containerd.kata-qemu.v2"\n'
    )
    main = tmp_path / "config.toml"
    main.write_text(
        f'version = 3\nimports = ["{dropin}"]\n'
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]\n'
        '  runtime_type = "io.containerd.runc.v2"\n'
    )
    before = set(_dump(main)["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"])
    assert "kata-qemu" not in before, "containerd now keeps the drop-in's handler: drop this named difference"
    result = _migrate(main)
    assert result["changed"]
    assert "kata-qemu" in result["handlers"]
    after = set(_dump(main)["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"])
    assert after == before | {"kata-qemu"}
    _verdict("v2 drop-in under a v3 main", "differs", "containerd 2.1.9 drops kata-qemu in memory; migrated: loaded")


def test_a_node_whose_containerd_is_1x_cannot_migrate_to_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The node's containerd 1.7 would refuse a version-3 file: the module says so and writes nothing."""
    if "1.7" not in BINARIES:
        pytest.skip(f"containerd 1.7 is not in {CACHE} (run scripts/setup/containerd-debs)")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "containerd").symlink_to(BINARIES["1.7"])
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    config = tmp_path / "config.toml"
    text = (FIXTURES / "kubespray.toml").read_text()
    config.write_text(text)
    with pytest.raises(ModuleFail, match=r"needs containerd 2\.0\.0 or newer.*containerd is 1\.7"):
        run_module(containerd_config.main, {"path": str(config), "config_version": 3})
    assert config.read_text() == text
