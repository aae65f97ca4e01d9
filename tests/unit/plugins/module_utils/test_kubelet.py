# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Flag, version and KubeletConfiguration logic.

No kubelet 1.24+ binary can be built here (Debian 12 ships 1.20.2 sources), so
these tests are what decides the behaviour for newer kubelets.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _kubelet as k

SOCK = "unix:///run/containerd/containerd.sock"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("container-runtime-endpoint", "container-runtime-endpoint"),
        ("--container-runtime-endpoint", "container-runtime-endpoint"),
        ("--log_dir", "log-dir"),
        ("-v", "v"),
    ],
)
def test_normalize_flag_name(name: str, expected: str) -> None:
    assert k.normalize_flag_name(name) == expected


@pytest.mark.parametrize(
    "name", ["", "--", "---x", "--Container-Runtime", "--cgroup-driver=systemd", "node labels", "-"]
)
def test_bad_flag_names(name: str) -> None:
    with pytest.raises(k.KubeletError, match="is not a kubelet flag name"):
        k.normalize_flag_name(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15m", ["15m"]),
        (True, [None]),
        (False, ["false"]),
        (10248, ["10248"]),
        (["a=b", "c=d"], ["a=b", "c=d"]),
        ("", [""]),
    ],
)
def test_desired_values(value: Any, expected: list[str | None]) -> None:
    assert k.desired_values("x", value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('unix:///run/"containerd.sock', 'unbalanced " quote'),
        ("it's", "unbalanced ' quote"),
        ("a b", "contains whitespace"),
        ('"quoted"', "contains whitespace, a quote"),
        ("back\\slash", "backslash"),
        (None, "no value given"),
        ([], "an empty list"),
        ({"a": 1}, "must be a string"),
    ],
)
def test_bad_flag_values(value: Any, message: str) -> None:
    with pytest.raises(k.KubeletError, match=message):
        k.desired_values("node-labels", value)


def test_parse_flags_forms() -> None:
    words = ["--a=1", "--bare", "--sep", "value", "-v=2", "--x_y=z", "--last"]
    flags, others = k.parse_flags(words)
    assert [(f.name, f.value, f.first, f.last) for f in flags] == [
        ("a", "1", 0, 0),
        ("bare", None, 1, 1),
        ("sep", "value", 2, 3),
        ("v", "2", 4, 4),
        ("x-y", "z", 5, 5),
        ("last", None, 6, 6),
    ]
    assert others == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (None, "true", True),
        ("true", None, True),
        (None, "false", False),
        ("15m", "15m0s", True),
        ("15m", "900s", True),
        ("15m", "16m", False),
        ("a", "a", True),
        ("a", None, False),
    ],
)
def test_same_value(a: str | None, b: str | None, same: bool) -> None:
    assert k.same_value(a, b) is same


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("2m0s", 120), ("1h30m", 5400), ("0", 0), ("1.5s", 1.5), ("500ms", 0.5), ("x", None), ("", None)],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert k.parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "version"),
    [("Kubernetes v1.20.2", (1, 20, 2)), ("v1.27.3", (1, 27, 3)), ("1.30", (1, 30, 0))],
)
def test_parse_version(text: str, version: tuple[int, int, int]) -> None:
    assert k.parse_version(text) == version


def test_parse_version_error() -> None:
    with pytest.raises(k.KubeletError, match="cannot read a kubelet version from 'kubelet'"):
        k.parse_version("kubelet")


@pytest.mark.parametrize(
    ("version", "removed", "kept"),
    [
        ((1, 11, 0), [], ["cadvisor-port", "container-runtime"]),
        ((1, 20, 2), ["cadvisor-port", "allow-privileged"], ["container-runtime", "network-plugin"]),
        ((1, 24, 0), ["network-plugin", "cni-bin-dir", "docker-endpoint"], ["container-runtime"]),
        ((1, 26, 9), ["network-plugin"], ["container-runtime"]),
        ((1, 27, 0), ["container-runtime", "network-plugin"], ["container-runtime-endpoint"]),
    ],
)
def test_removed_flags(version: tuple[int, int, int], removed: list[str], kept: list[str]) -> None:
    gone = k.removed_flags(version)
    assert all(name in gone for name in removed)
    assert not any(name in gone for name in kept)


CRI = {"container_runtime_endpoint": SOCK, "runtime_request_timeout": "15m", "cgroup_driver": "systemd"}


@pytest.mark.parametrize(
    ("version", "config_in_use", "flags", "remove", "config"),
    [
        # the classic 1.20 node without a config file: everything in flags
        (
            "v1.20.2",
            False,
            {
                "container-runtime": "remote",
                "container-runtime-endpoint": SOCK,
                "runtime-request-timeout": "15m",
                "cgroup-driver": "systemd",
            },
            [],
            {},
        ),
        # 1.20 with a config file: the endpoint has no field yet, the rest moves to the file
        (
            "v1.20.2",
            True,
            {"container-runtime": "remote", "container-runtime-endpoint": SOCK},
            ["runtime-request-timeout", "cgroup-driver"],
            {"runtimeRequestTimeout": "15m", "cgroupDriver": "systemd"},
        ),
        # 1.24-1.26: --container-runtime is a no-op, removed so that an upgrade to 1.27 starts
        (
            "v1.25.4",
            True,
            {"container-runtime-endpoint": SOCK},
            ["container-runtime", "runtime-request-timeout", "cgroup-driver"],
            {"runtimeRequestTimeout": "15m", "cgroupDriver": "systemd"},
        ),
        # 1.27+: everything in the file, every flag removed
        (
            "v1.27.0",
            True,
            {},
            ["container-runtime", "container-runtime-endpoint", "runtime-request-timeout", "cgroup-driver"],
            {"containerRuntimeEndpoint": SOCK, "runtimeRequestTimeout": "15m", "cgroupDriver": "systemd"},
        ),
        # 1.27 without a config file: deprecated flags still work, --container-runtime does not
        (
            "v1.29.1",
            False,
            {"container-runtime-endpoint": SOCK, "runtime-request-timeout": "15m", "cgroup-driver": "systemd"},
            ["container-runtime"],
            {},
        ),
    ],
)
def test_plan_cri_auto(
    version: str, config_in_use: bool, flags: dict[str, str], remove: list[str], config: dict[str, str]
) -> None:
    plan = k.plan_cri(version, CRI, config_in_use=config_in_use)
    assert plan.flags == flags
    # the endpoint is managed and no image endpoint is given: --image-service-endpoint goes too
    assert sorted(plan.remove_flags) == sorted([*remove, "image-service-endpoint"])
    assert plan.config == config


def test_plan_cri_forced_placements() -> None:
    plan = k.plan_cri((1, 28, 0), CRI, config_in_use=True, placement="flags")
    assert plan.config == {}
    assert plan.flags["container-runtime-endpoint"] == SOCK
    assert plan.remove_flags == ["container-runtime", "image-service-endpoint"]
    assert plan.remove_config == ["imageServiceEndpoint"]
    with pytest.raises(
        k.KubeletError, match=r"kubelet v1\.26\.0 has no KubeletConfiguration field containerRuntimeEndpoint"
    ):
        k.plan_cri((1, 26, 0), CRI, config_in_use=True, placement="config")


def test_plan_cri_skips_unset_settings() -> None:
    plan = k.plan_cri("1.30.0", {"container_runtime_endpoint": SOCK, "cgroup_driver": None}, config_in_use=True)
    assert plan.config == {"containerRuntimeEndpoint": SOCK}
    assert plan.placement == {"container_runtime_endpoint": "config"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"runtime_request_timeout": "30s"}, "below the floor of 2m"),
        ({"runtime_request_timeout": "fifteen"}, "is not a duration"),
        ({"cgroup_driver": "systemd-ish"}, "cgroup_driver must be one of"),
        ({"container_runtime_endpoint": "/run/containerd/containerd.sock"}, "must be a URL"),
        ({"image_endpoint": SOCK}, "unknown CRI setting"),
    ],
)
def test_plan_cri_bad_settings(settings: dict[str, str], message: str) -> None:
    with pytest.raises(k.KubeletError, match=message):
        k.plan_cri("1.20.2", settings, config_in_use=False)


def test_plan_cri_floor_is_allowed() -> None:
    assert k.plan_cri("1.20.2", {"runtime_request_timeout": "2m"}, config_in_use=False).flags[
        "runtime-request-timeout"
    ] == ("2m")


KUBEADM_CONFIG: dict[str, Any] = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "authentication": {"anonymous": {"enabled": False}, "webhook": {"cacheTTL": "0s", "enabled": True}},
    "cgroupDriver": "cgroupfs",
    "runtimeRequestTimeout": "15m0s",
    "evictionHard": {"memory.available": "100Mi"},
}


def test_merge_config_deep_and_by_data() -> None:
    merged = k.merge_config(
        KUBEADM_CONFIG,
        {"cgroupDriver": "systemd", "runtimeRequestTimeout": "15m", "authentication": {"anonymous": {"enabled": True}}},
        [],
    )
    assert merged["cgroupDriver"] == "systemd"
    assert merged["runtimeRequestTimeout"] == "15m0s"  # same duration: the file's spelling stays
    assert merged["authentication"] == {"anonymous": {"enabled": True}, "webhook": {"cacheTTL": "0s", "enabled": True}}
    assert KUBEADM_CONFIG["cgroupDriver"] == "cgroupfs"  # input untouched


def test_merge_config_remove_and_new_file() -> None:
    merged = k.merge_config(KUBEADM_CONFIG, {}, ["evictionHard.memory.available", "not.there", "cgroupDriver"])
    assert merged["evictionHard"] == {}
    assert "cgroupDriver" not in merged
    fresh = k.merge_config({}, {"containerRuntimeEndpoint": SOCK}, [])
    assert fresh == {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "containerRuntimeEndpoint": SOCK,
    }
    with pytest.raises(k.KubeletError, match="is not a dotted key"):
        k.merge_config(KUBEADM_CONFIG, {}, ["a..b"])


def test_same_data() -> None:
    assert k.same_data(KUBEADM_CONFIG, k.merge_config(KUBEADM_CONFIG, {"runtimeRequestTimeout": "900s"}, []))
    assert not k.same_data({"a": 1}, {"a": True})
    assert not k.same_data({"a": [1]}, {"a": [1, 2]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "expected a KubeletConfiguration mapping, found list"),
        ({"kind": "KubeProxyConfiguration"}, "kind is 'KubeProxyConfiguration'"),
        ({"apiVersion": "v1"}, "apiVersion 'v1': a KubeletConfiguration is kubelet.config.k8s.io/v1beta1 only"),
    ],
)
def test_check_config_document(data: Any, message: str) -> None:
    with pytest.raises(k.KubeletError, match=message):
        k.check_config_document(data, "/var/lib/kubelet/config.yaml")
    assert k.check_config_document(None, "p") == {}


def _runc(version_table: str, systemd: bool | None, runtime: str = "runc", version: int = 2) -> dict[str, Any]:
    options = {} if systemd is None else {"SystemdCgroup": systemd}
    return {
        "version": version,
        "plugins": {
            version_table: {
                "containerd": {"default_runtime_name": runtime, "runtimes": {runtime: {"options": options}}}
            }
        },
    }


@pytest.mark.parametrize(
    ("dump", "expected"),
    [
        (_runc("io.containerd.grpc.v1.cri", True), True),
        (_runc("io.containerd.grpc.v1.cri", False), False),
        (_runc("io.containerd.grpc.v1.cri", None), False),
        (_runc("io.containerd.cri.v1.runtime", True, version=3), True),
        (_runc("io.containerd.cri.v1.runtime", True, version=4), True),
        (_runc("cri", True, version=1), True),
        (_runc("io.containerd.grpc.v1.cri", True, runtime="crun"), True),
    ],
)
def test_containerd_systemd_cgroup(dump: dict[str, Any], expected: bool) -> None:
    assert k.containerd_systemd_cgroup(dump) is expected


def test_containerd_systemd_cgroup_reads_the_table_of_the_dumps_version() -> None:
    # a version-3 dump (containerd 2.x) keeps only the streaming settings under io.containerd.grpc.v1.cri
    both = _runc("io.containerd.cri.v1.runtime", True, version=3)
    both["plugins"]["io.containerd.grpc.v1.cri"] = _runc("io.containerd.grpc.v1.cri", False)["plugins"][
        "io.containerd.grpc.v1.cri"
    ]
    assert k.containerd_systemd_cgroup(both) is True
    both["version"] = 2  # containerd 1.x reads only io.containerd.grpc.v1.cri
    assert k.containerd_systemd_cgroup(both) is False


@pytest.mark.parametrize(
    ("dump", "message"),
    [
        ({"version": 2, "plugins": {}}, "no CRI plugin table"),
        (_runc("io.containerd.cri.v1.runtime", True, version=2), r"plugins\.io\.containerd\.grpc\.v1\.cri\.containerd"),
        (_runc("io.containerd.grpc.v1.cri", True, version=3), "for config version 3"),
        (_runc("io.containerd.cri.v1.runtime", True, version=5), "unknown config version 5"),
    ],
)
def test_containerd_without_cri(dump: dict[str, Any], message: str) -> None:
    with pytest.raises(k.KubeletError, match=message):
        k.containerd_systemd_cgroup(dump)


@pytest.mark.parametrize(
    ("flags", "config", "expected"),
    [
        (["--cgroup-driver=systemd"], {"cgroupDriver": "cgroupfs"}, ("systemd", "flag --cgroup-driver")),
        (["--v=2"], {"cgroupDriver": "systemd"}, ("systemd", "KubeletConfiguration cgroupDriver")),
        ([], None, ("cgroupfs", "kubelet default")),
    ],
)
def test_kubelet_cgroup_driver(flags: list[str], config: dict[str, Any] | None, expected: tuple[str, str]) -> None:
    assert k.kubelet_cgroup_driver(flags, config) == expected
