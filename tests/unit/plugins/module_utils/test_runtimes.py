# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._runtimes import (
    RuntimeConfigError,
    default_runtime_name,
    inspect_handlers,
    make_which,
    shim_binary_name,
)

FILES = {
    "/usr/bin/containerd-shim-runc-v2",
    "/usr/sbin/runc",
    "/usr/bin/crun",
    "/usr/local/bin/containerd-shim-kata-qemu-v2",
    "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml",
}
WHICH = make_which(["/usr/local/bin", "/usr/sbin", "/usr/bin"], FILES.__contains__, FILES.__contains__)


def v2(runtimes: dict[str, Any], **containerd: Any) -> dict[str, Any]:
    table = {"runtimes": runtimes, **containerd}
    return {"version": 2, "plugins": {"io.containerd.grpc.v1.cri": {"containerd": table}}}


def v3(runtimes: dict[str, Any]) -> dict[str, Any]:
    return {"version": 3, "plugins": {"io.containerd.cri.v1.runtime": {"containerd": {"runtimes": runtimes}}}}


@pytest.mark.parametrize(
    ("runtime_type", "expected"),
    [
        ("io.containerd.runc.v2", "containerd-shim-runc-v2"),
        ("io.containerd.kata-qemu.v2", "containerd-shim-kata-qemu-v2"),
        ("io.containerd.runsc.v1", "containerd-shim-runsc-v1"),
        ("runc", None),
    ],
)
def test_shim_binary_name(runtime_type: str, expected: str | None) -> None:
    assert shim_binary_name(runtime_type) == expected


@pytest.mark.parametrize("make", [v2, v3])
def test_handlers_verified_or_missing_with_reasons(make: Any) -> None:
    config = make(
        {
            "runc": {"runtime_type": "io.containerd.runc.v2"},
            "crun": {"runtime_type": "io.containerd.runc.v2", "options": {"BinaryName": "/usr/bin/crun"}},
            "runsc": {"runtime_type": "io.containerd.runc.v2", "options": {"BinaryName": "runsc"}},
            "kata-qemu": {
                "runtime_type": "io.containerd.kata-qemu.v2",
                "options": {"ConfigPath": "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml"},
            },
            "kata-fc": {
                "runtime_type": "io.containerd.kata-fc.v2",
                "options": {"ConfigPath": "/opt/kata/share/defaults/kata-containers/configuration-fc.toml"},
            },
            "nvidia": {"runtime_type": "io.containerd.runc.v2", "runtime_path": "/usr/bin/containerd-shim-runc-v2"},
            "broken": {},
        }
    )
    infos = {h.name: h for h in inspect_handlers(config, WHICH, FILES.__contains__)}
    assert sorted(n for n, h in infos.items() if h.verified) == ["crun", "kata-qemu", "nvidia", "runc"]
    assert infos["runc"].binary == "/usr/sbin/runc"
    assert infos["crun"].shim == "/usr/bin/containerd-shim-runc-v2"
    assert infos["runsc"].missing == ["runtime binary runsc not found"]
    assert infos["kata-fc"].missing == [
        "shim containerd-shim-kata-fc-v2 not found",
        "config file /opt/kata/share/defaults/kata-containers/configuration-fc.toml (ConfigPath) not found",
    ]
    assert infos["broken"].missing == ["runtime_type is not set"]
    assert infos["kata-qemu"].as_dict()["verified"] is True


def test_version_2_table_is_not_read_for_version_3() -> None:
    config = v2({"runc": {"runtime_type": "io.containerd.runc.v2"}})
    config["version"] = 3
    assert inspect_handlers(config, WHICH, FILES.__contains__) == []


def test_default_runtime_name() -> None:
    assert default_runtime_name(v2({}, default_runtime_name="crun")) == "crun"
    assert default_runtime_name({"version": 2}) == "runc"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"version": "2"}, "version: expected a positive integer"),
        ({"version": 2, "plugins": []}, "plugins: expected a table"),
        (v2([]), "containerd.runtimes: expected a table"),  # type: ignore[arg-type]
    ],
)
def test_bad_config_names_the_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(RuntimeConfigError, match=message):
        inspect_handlers(config, WHICH, FILES.__contains__)
