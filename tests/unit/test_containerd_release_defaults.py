# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The containerd role's release defaults: a supported series, and a pinned checksum for every default.

A bump of containerd_version or containerd_runc_version without its checksums, or a pinned release
outside the series the role installs, fails here rather than on a node (where the role would refuse
the empty checksum before touching it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.cri.runtimes.plugins.module_utils import _containerd_schema as S

ROLE = Path(__file__).resolve().parents[2] / "roles" / "containerd"
SHA256 = re.compile(r"^sha256:[0-9a-f]{64}$")
ARCHES = {"amd64", "arm64"}


def defaults() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    return data


def test_default_release_is_a_pinned_2x_release_series() -> None:
    d = defaults()
    version = d["containerd_version"]
    series = ".".join(version.split(".")[:2])
    assert S.release_series_supported(series), version
    assert version.startswith("2."), "the release default is a containerd 2.x release"
    assert set(d["containerd_release_checksums"][version]) == ARCHES
    assert set(d["containerd_runc_checksums"][d["containerd_runc_version"]]) == ARCHES


def test_every_pinned_checksum_is_a_sha256_of_a_release_series() -> None:
    d = defaults()
    for table in ("containerd_release_checksums", "containerd_runc_checksums"):
        for version, by_arch in d[table].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), (table, version)
            for arch, checksum in by_arch.items():
                assert arch in ARCHES, (table, version, arch)
                assert SHA256.match(checksum), (table, version, arch, checksum)
    for version in d["containerd_release_checksums"]:
        assert S.release_series_supported(".".join(version.split(".")[:2])), version
    # one archive per version and architecture: no checksum copied to two places
    sums = [c for by_arch in d["containerd_release_checksums"].values() for c in by_arch.values()]
    assert len(sums) == len(set(sums))


def test_the_checksum_defaults_look_the_table_up() -> None:
    d = defaults()
    assert "containerd_release_checksums[containerd_version][containerd_arch]" in d["containerd_release_checksum"]
    assert "containerd_runc_checksums[containerd_runc_version][containerd_arch]" in d["containerd_runc_checksum"]


def test_argument_specs_document_the_defaults() -> None:
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    d = defaults()
    assert specs["containerd_version"]["default"] == d["containerd_version"]
    assert specs["containerd_runc_version"]["default"] == d["containerd_runc_version"]
    assert "1.7 (legacy)" in " ".join(specs["containerd_version"]["description"])
