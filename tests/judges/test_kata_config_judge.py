# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kata's TOML library judges toml_file's edits of Kata configuration files, as the kata role makes them.

The real reader of these files is Kata's runtime, which cannot run here (no Kata binaries, no
KVM). The next best judge is the library it decodes them with, github.com/BurntSushi/toml
(Debian's golang-github-burntsushi-toml-dev, built in GOPATH mode by this test), decoding into
a generic map and into fields typed as Kata's loader types them (kata_toml/main.go).

Files: every ``configuration-*.toml`` of the kata role's stand-in release archive (Kata's
layout and keys, stand-in values) and every Kata file of the corpus
(``../shared/corpus/kata``, or ``$CRI_CORPUS_DIR/kata``: Kata's own templates rendered), for
each guest boot (``image``, ``initrd``). Each goes through the module's ``main()`` as the role
calls it (``src`` = Kata's file, ``path`` = the handler's config) with the boot key set, the
other removed, ``default_memory`` and the runtime's ``enable_debug`` set. Pass when the judge
decodes the result, the typed fields hold our values (exactly one of image/initrd: Kata refuses
both), every other key decodes exactly as in Kata's file, and a second run changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.modules import toml_file
from tests.unit.plugins.module_utils import kata_standin
from tests.unit.plugins.modules.runner import run_module

from .verdicts import VERDICTS

ROOT = Path(__file__).resolve().parents[2]
GOPATH = Path(os.environ.get("CRI_GOPATH", "/usr/share/gocode"))
SUITE = "toml_file (Kata configs)"


@pytest.fixture(scope="module")
def judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None:
        pytest.skip("no go compiler (Debian: golang-go)")
    if not (GOPATH / "src" / "github.com" / "BurntSushi" / "toml").is_dir():
        pytest.skip(f"no github.com/BurntSushi/toml under {GOPATH} (Debian: golang-github-burntsushi-toml-dev)")
    out = tmp_path_factory.mktemp("kata-judge") / "kata-toml-judge"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOFLAGS": ""}
    env.setdefault("GOCACHE", str(out.parent / "gocache"))
    subprocess.run(
        ["go", "build", "-o", str(out), str(ROOT / "tests" / "judges" / "kata_toml" / "main.go")], env=env, check=True
    )
    return out


@pytest.fixture(scope="module")
def standin_defaults(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kata_standin.standin_defaults(tmp_path_factory)


def decode(judge: Path, path: Path) -> dict[str, Any]:
    proc = subprocess.run([str(judge), str(path)], check=False, capture_output=True, text=True)
    assert proc.returncode == 0, f"BurntSushi/toml refused {path}: {proc.stderr}"
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def check(judge: Path, shipped: Path, tmp_path: Path, boot: str, label: str) -> None:
    before = decode(judge, shipped)
    (section,) = before["data"]["hypervisor"]
    other = "initrd" if boot == "image" else "image"
    wanted = kata_standin.guest_path(boot)
    dest = tmp_path / "cri-runtimes" / shipped.name
    args = {
        "src": str(shipped),
        "path": str(dest),
        "set": {
            f"hypervisor.{section}.{boot}": wanted,
            f"hypervisor.{section}.default_memory": 4096,
            "runtime.enable_debug": True,
        },
        "remove": [f"hypervisor.{section}.{other}"],
        "mode": "0644",
    }
    verdict, detail = "FAIL", ""
    try:
        first = run_module(toml_file.main, args)
        second = run_module(toml_file.main, args)
        after = decode(judge, dest)
        typed = after["typed"]["Hypervisor"][section]
        assert first["changed"]
        assert not second["changed"]
        assert typed[boot.capitalize()] == wanted
        assert typed[other.capitalize()] == ""  # Kata refuses a file with both
        assert typed["DefaultMemory"] == 4096
        assert after["typed"]["Runtime"]["Debug"] is True
        expected = before["data"]
        expected["hypervisor"][section].pop(other, None)
        expected["hypervisor"][section].update({boot: wanted, "default_memory": 4096})
        expected["runtime"]["enable_debug"] = True
        assert after["data"] == expected
        verdict, detail = "PASS", f"[hypervisor.{section}] {boot} set, {other} absent; rest decodes as shipped"
    except AssertionError as exc:
        detail = str(exc).splitlines()[0][:160]
        raise
    finally:
        VERDICTS.append((SUITE, label, boot, verdict, detail))


@pytest.mark.parametrize("boot", ["image", "initrd"])
@pytest.mark.parametrize("name", sorted(kata_standin.SECTIONS))
def test_standin_archive_configs(judge: Path, standin_defaults: Path, tmp_path: Path, name: str, boot: str) -> None:
    check(judge, standin_defaults / name, tmp_path, boot, f"stand-in {name}")


@pytest.mark.skipif(not kata_standin.REAL, reason=kata_standin.NO_REAL)
@pytest.mark.parametrize("boot", ["image", "initrd"])
@pytest.mark.parametrize("path", kata_standin.REAL, ids=lambda p: p.name)
def test_corpus_configs(judge: Path, tmp_path: Path, path: Path, boot: str) -> None:
    check(judge, path, tmp_path, boot, path.name)
