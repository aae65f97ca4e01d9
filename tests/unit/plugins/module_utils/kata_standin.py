# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kata configuration files the tests edit: the stand-in archive's and the corpus's.

One home for the unit tests of ``toml_file`` and the Kata judge (tests/judges): the kata
role's stand-in release archive (scripts/fixtures/kata-standin-archive: Kata's real release
layout and keys, STAND-IN values and binaries, because no Kata release can be fetched here),
and Kata's own rendered configs in the corpus (``../shared/corpus/kata`` or
``$CRI_CORPUS_DIR/kata``, never copied into the repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
# each configuration-*.toml of Kata's share/defaults/kata-containers and its [hypervisor.<section>]
SECTIONS = {
    "configuration-qemu.toml": "qemu",
    "configuration-clh.toml": "clh",
    "configuration-fc.toml": "firecracker",
    "configuration-stratovirt.toml": "stratovirt",
    "runtime-rs/configuration-dragonball.toml": "dragonball",
    "runtime-rs/configuration-cloud-hypervisor.toml": "cloud-hypervisor",
}
CORPUS = Path(os.environ.get("CRI_CORPUS_DIR") or REPO.parent / "shared" / "corpus") / "kata"
REAL = sorted(CORPUS.glob("*.toml")) if CORPUS.is_dir() else []
NO_REAL = f"no Kata configs at {CORPUS} (set CRI_CORPUS_DIR; not part of the collection)"


def guest_path(boot: str) -> str:
    """Where Kata's release puts the guest ``image`` or ``initrd`` (the value the kata role sets)."""
    return f"/opt/kata/share/kata-containers/kata-containers{'-initrd' if boot == 'initrd' else ''}.img"


def standin_defaults(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kata's share/defaults/kata-containers, unpacked from a freshly built stand-in archive (skips without xz)."""
    if shutil.which("xz") is None:
        pytest.skip("xz is not installed: cannot build the kata stand-in archive")
    out = tmp_path_factory.mktemp("kata-archive")
    archive = subprocess.run(
        [str(REPO / "scripts" / "fixtures" / "kata-standin-archive"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    with tarfile.open(archive) as tar:
        tar.extractall(out / "root", filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(out / "root")
    return out / "root" / "opt" / "kata" / "share" / "defaults" / "kata-containers"
