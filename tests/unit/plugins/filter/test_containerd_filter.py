# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The containerd_schema filter: the role's view of the schema the modules read."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.filter import containerd as filters


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("supported_series", ["1.6", "1.7", "2.0", "2.1", "2.2", "2.3"]),
        ("release_series", ["1.7", "2.0", "2.1", "2.2", "2.3"]),
        (
            "disableable_cri_ids",
            ["cri", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"],
        ),
        ("default_runtime_name", "runc"),
        ("runc_runtime_type", "io.containerd.runc.v2"),
        ("versions", [1, 2, 3, 4]),
    ],
)
def test_containerd_schema(name: str, expected: Any) -> None:
    assert filters.containerd_schema(name) == expected


def test_unknown_fact_lists_the_known_ones() -> None:
    with pytest.raises(AnsibleFilterError, match="unknown fact 'nope'; known: cri_paths, cri_plugin_ids"):
        filters.containerd_schema("nope")


def test_the_documented_choices_are_the_facts() -> None:
    from pathlib import Path

    import yaml

    doc = yaml.safe_load((Path(filters.__file__).parent / "containerd_schema.yml").read_text())
    choices = doc["DOCUMENTATION"]["options"]["_input"]["choices"]
    assert sorted(choices) == sorted(filters.FilterModule().filters()["containerd_schema"].__globals__["facts"]())
