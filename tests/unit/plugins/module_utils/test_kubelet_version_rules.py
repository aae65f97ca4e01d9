# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One table-driven test per (kubelet version, flag or field) rule of issue 11, each row citing its source.

No kubelet newer than 1.20 can be built on these machines (Debian's newer kubernetes
source builds only kubectl), so for kubelets 1.21-1.36 these tables are the proof;
docs/kubelet.md lists the same rules. The rows sit on both sides of each boundary.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _kubelet as k

SOCK = "unix:///run/containerd/containerd.sock"
DOCKERSHIM = "unix:///var/run/dockershim.sock"


def _removed(version: k.Version, flag: str) -> bool:
    return flag in k.removed_flags(version)


# kubernetes/kubernetes#133779, CHANGELOG-1.35 "Urgent Upgrade Notes": --pod-infra-container-image is gone;
# kubelet 1.35 fails with "unknown flag: --pod-infra-container-image" (Azure/AKSFlexNode#57 quotes it).
@pytest.mark.parametrize(
    ("version", "removed"),
    [
        pytest.param((1, 20, 2), False, id="1.20 (the lab): accepted"),
        pytest.param((1, 34, 9), False, id="1.34.9: accepted, deprecated"),
        pytest.param((1, 35, 0), True, id="1.35.0: removed (#133779)"),
        pytest.param((1, 36, 1), True, id="1.36: removed"),
    ],
)
def test_rule_pod_infra_container_image_removed_in_1_35(version: k.Version, removed: bool) -> None:
    assert _removed(version, "pod-infra-container-image") is removed


# kubernetes/kubernetes#108045 (CHANGELOG-1.24 "Deprecation"): deprecated from 1.24, so warned about
# until 1.35 removes it (then it is removed, not warned about).
@pytest.mark.parametrize(
    ("version", "warned"),
    [
        pytest.param((1, 23, 17), False, id="1.23: not deprecated yet"),
        pytest.param((1, 24, 0), True, id="1.24.0: deprecated (#108045)"),
        pytest.param((1, 34, 9), True, id="1.34.9: still accepted, warned"),
        pytest.param((1, 35, 0), False, id="1.35: removed, not a warning any more"),
    ],
)
def test_rule_pod_infra_container_image_warned_1_24_to_1_34(version: k.Version, warned: bool) -> None:
    assert ("pod-infra-container-image" in k.deprecated_flags(version)) is warned
    if warned:
        text = k.deprecation_warning("pod-infra-container-image", version, "/var/lib/kubelet/kubeadm-flags.env: line 1")
        assert "kubelet v1.35.0 refuses to start with it" in text
        assert "/var/lib/kubelet/kubeadm-flags.env: line 1" in text


# kubernetes/kubernetes#107096 (CHANGELOG-1.24): kubelet --non-masquerade-cidr removed with kubenet.
@pytest.mark.parametrize(
    ("version", "removed"),
    [
        pytest.param((1, 23, 17), False, id="1.23.17: accepted"),
        pytest.param((1, 24, 0), True, id="1.24.0: removed (#107096)"),
    ],
)
def test_rule_non_masquerade_cidr_removed_in_1_24(version: k.Version, removed: bool) -> None:
    assert _removed(version, "non-masquerade-cidr") is removed


# kubernetes/kubernetes#91373 (deprecated, CHANGELOG-1.19) and #104732 (removed, CHANGELOG-1.24
# "Urgent Upgrade Notes": "With CSI now GA, there is a better alternative").
@pytest.mark.parametrize(
    ("version", "removed", "warned"),
    [
        pytest.param((1, 18, 20), False, False, id="1.18: accepted"),
        pytest.param((1, 19, 0), False, True, id="1.19: deprecated (#91373)"),
        pytest.param((1, 23, 17), False, True, id="1.23.17: deprecated, accepted"),
        pytest.param((1, 24, 0), True, False, id="1.24.0: removed (#104732)"),
    ],
)
def test_rule_experimental_check_node_capabilities_removed_in_1_24(
    version: k.Version, removed: bool, warned: bool
) -> None:
    flag = "experimental-check-node-capabilities-before-mount"
    assert _removed(version, flag) is removed
    assert (flag in k.deprecated_flags(version)) is warned


# kubernetes/kubernetes#114017 (CHANGELOG-1.27): "kubelet: remove deprecated flag --container-runtime".
@pytest.mark.parametrize(
    ("version", "removed", "planned"),
    [
        pytest.param((1, 20, 2), False, "set", id="1.20: set to remote (default there: dockershim)"),
        pytest.param((1, 26, 9), False, "removed", id="1.26: a no-op, removed ahead of 1.27"),
        pytest.param((1, 27, 0), True, "removed", id="1.27.0: removed (#114017)"),
    ],
)
def test_rule_container_runtime_removed_in_1_27(version: k.Version, removed: bool, planned: str) -> None:
    assert _removed(version, "container-runtime") is removed
    plan = k.plan_cri(version, {"container_runtime_endpoint": SOCK}, config_in_use=False)
    assert ("container-runtime" in plan.remove_flags) is (planned == "removed")
    assert (plan.flags.get("container-runtime") == "remote") is (planned == "set")


# kubernetes/kubernetes#112136 (CHANGELOG-1.27): --image-service-endpoint and --container-runtime-endpoint
# became the KubeletConfiguration fields imageServiceEndpoint and containerRuntimeEndpoint; the flag is
# deprecated. Unset, the image endpoint is the runtime endpoint (kubelet --help), so a managed runtime
# endpoint without an image endpoint of its own removes both the flag and (from 1.27) the field.
def _expect(flags: dict[str, str], remove_flags: list[str], config: dict[str, str], remove_config: list[str]) -> dict:
    return {"flags": flags, "remove_flags": remove_flags, "config": config, "remove_config": remove_config}


@pytest.mark.parametrize(
    ("version", "config_in_use", "image", "expected"),
    [
        pytest.param(
            (1, 20, 2), False, None, _expect({}, ["image-service-endpoint"], {}, []), id="1.20 flags: flag removed"
        ),
        pytest.param(
            (1, 26, 9), True, None, _expect({}, ["image-service-endpoint"], {}, []), id="1.26 with config: no field yet"
        ),
        pytest.param(
            (1, 27, 0),
            True,
            None,
            _expect({}, ["image-service-endpoint"], {}, ["imageServiceEndpoint"]),
            id="1.27 with config: flag and field removed (#112136)",
        ),
        pytest.param(
            (1, 26, 9), False, SOCK, _expect({"image-service-endpoint": SOCK}, [], {}, []), id="1.26 asked: a flag"
        ),
        pytest.param(
            (1, 27, 0),
            True,
            SOCK,
            _expect({}, ["image-service-endpoint"], {"imageServiceEndpoint": SOCK}, []),
            id="1.27 asked, with config: the field, the flag removed",
        ),
    ],
)
def test_rule_image_service_endpoint_follows_the_runtime_endpoint(
    version: k.Version, config_in_use: bool, image: str | None, expected: dict[str, Any]
) -> None:
    plan = k.plan_cri(
        version, {"container_runtime_endpoint": SOCK, "image_service_endpoint": image}, config_in_use=config_in_use
    )
    assert {
        "flags": {f: v for f, v in plan.flags.items() if f == "image-service-endpoint"},
        "remove_flags": [f for f in plan.remove_flags if f == "image-service-endpoint"],
        "config": {f: v for f, v in plan.config.items() if f == "imageServiceEndpoint"},
        "remove_config": plan.remove_config,
    } == expected
    if (version, config_in_use, image) == ((1, 27, 0), True, None):
        # the stale dockershim socket does not survive in the file
        merged = k.merge_config({"imageServiceEndpoint": DOCKERSHIM}, plan.config, plan.remove_config)
        assert "imageServiceEndpoint" not in merged
    with pytest.raises(k.KubeletError, match="image_service_endpoint 'dockershim' must be a URL"):
        k.plan_cri(version, {"image_service_endpoint": "dockershim"}, config_in_use=config_in_use)


# k8s.io/kubelet config/v1beta1/types.go holds KubeletConfiguration; config/v1/types.go only
# CredentialProviderConfig (GA in 1.26, KEP-2133). Any other apiVersion is refused, naming file and apiVersion.
@pytest.mark.parametrize(
    ("api", "message"),
    [
        pytest.param("kubelet.config.k8s.io/v1beta1", None, id="v1beta1: the only one"),
        pytest.param(
            "kubelet.config.k8s.io/v1",
            r"/etc/k/c\.yaml: apiVersion 'kubelet\.config\.k8s\.io/v1' \(that group version holds only "
            r"CredentialProviderConfig\): a KubeletConfiguration is kubelet\.config\.k8s\.io/v1beta1 only",
            id="v1: CredentialProviderConfig only",
        ),
        pytest.param(
            "kubelet.config.k8s.io/v1alpha1", r"apiVersion 'kubelet\.config\.k8s\.io/v1alpha1'", id="v1alpha1"
        ),
    ],
)
def test_rule_kubelet_configuration_is_v1beta1_only(api: str, message: str | None) -> None:
    doc: dict[str, Any] = {"apiVersion": api, "kind": "KubeletConfiguration"}
    if message is None:
        assert k.check_config_document(doc, "/etc/k/c.yaml") == doc
        return
    with pytest.raises(k.KubeletError, match=message):
        k.check_config_document(doc, "/etc/k/c.yaml")
    with pytest.raises(k.KubeletError, match="settings: apiVersion"):
        k.merge_config({}, {"apiVersion": api}, [])


# KEP-4033: the kubelet takes the cgroup driver from the RuntimeConfig CRI call; containerd implements it
# from 2.0 (containerd/containerd#8722); GA (always on) in kubelet 1.34 (kubernetes/website#51446), where
# --cgroup-driver and cgroupDriver are ignored. Before 1.34 (or with containerd 1.x) the setting counts.
@pytest.mark.parametrize(
    ("kubelet", "containerd", "from_cri"),
    [
        pytest.param((1, 20, 2), (1, 6, 20), False, id="1.20 + 1.6 (the lab)"),
        pytest.param((1, 33, 9), (2, 1, 9), False, id="1.33 + 2.1: beta, the setting still counts"),
        pytest.param((1, 34, 0), (1, 7, 24), False, id="1.34 + 1.7: no RuntimeConfig in containerd 1.x"),
        pytest.param((1, 34, 0), (2, 0, 0), True, id="1.34 + 2.0: from CRI (KEP-4033 GA)"),
        pytest.param((1, 36, 0), (2, 2, 0), True, id="1.36 + 2.2: from CRI"),
    ],
)
def test_rule_cgroup_driver_from_cri_from_1_34_with_containerd_2(
    kubelet: k.Version, containerd: k.Version, from_cri: bool
) -> None:
    assert k.cgroup_driver_from_cri(kubelet, containerd) is from_cri
    # the kubelet says systemd, containerd's runc uses cgroupfs
    driver, source = k.kubelet_cgroup_driver(
        ["--cgroup-driver=systemd"],
        {"cgroupDriver": "systemd"},
        kubelet_version=kubelet,
        containerd_version=containerd,
        runtime_driver="cgroupfs",
    )
    assert (driver, source.startswith("CRI RuntimeConfig")) == (("cgroupfs", True) if from_cri else ("systemd", False))
    plan = k.plan_cri(kubelet, {"cgroup_driver": "cgroupfs"}, config_in_use=True, containerd_version=containerd)
    assert plan.placement["cgroup_driver"] == ("cri" if from_cri else "config")
    assert ("cgroupDriver" in plan.config) is not from_cri


# golang/go src/time/format.go, ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+", a bare (signed) "0",
# and unitMap's "us", U+00B5 "µs" and U+03BC "μs" (the kubelet reads every duration field with it).
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("15m", 900.0, id="plain"),
        pytest.param("+15m", 900.0, id="leading +"),
        pytest.param("-1m30s", -90.0, id="leading -"),
        pytest.param("-0", 0.0, id="signed zero"),
        pytest.param("+0", 0.0, id="plus zero"),
        pytest.param("1500us", 0.0015, id="us"),
        pytest.param("1500\u00b5s", 0.0015, id="micro sign U+00B5"),
        pytest.param("1500\u03bcs", 0.0015, id="greek mu U+03BC"),
        pytest.param("1.s", 1.0, id="trailing dot"),
        pytest.param("+", None, id="sign alone"),
        pytest.param("--1s", None, id="two signs"),
        pytest.param("1", None, id="no unit"),
        pytest.param("1\u00b5", None, id="micro without s"),
    ],
)
def test_rule_go_durations(text: str, seconds: float | None) -> None:
    got = k.parse_duration(text)
    assert got == pytest.approx(seconds) if seconds is not None else got is None
    if seconds is not None and seconds >= 0:
        assert k.same_value(text, f"{seconds}s")


# Version guard. containerd RELEASES.md "Kubernetes Support": CRI v1 for kubelets 1.23+, and
# "CRI v1alpha2 ... is not present in containerd v2.0": a kubelet < 1.23 cannot use containerd 2.x.
# The KubeletCgroupDriverFromCRI feature-gate page: no cgroupDriver fallback from 1.36, the runtime must
# answer RuntimeConfig, which containerd 1.x does not (KEP-4033; kubernetes/kubernetes#136731, and #133774:
# "v1.35 will be the last kubernetes version to support containerd 1.x"): kubelet >= 1.36 cannot use 1.x.
@pytest.mark.parametrize(
    ("kubelet", "containerd", "message"),
    [
        pytest.param(
            (1, 20, 2),
            (2, 1, 9),
            "kubelet v1.20.2 with containerd v2.1.9 cannot work: containerd 2.0 removed CRI v1alpha2, the only CRI "
            "version a kubelet older than 1.23 speaks (CRI v1 needs kubelet 1.23+). kubelet v1.20.2 runs only "
            "against containerd 1.6/1.7; upgrade the kubelet to 1.23+ before containerd 2.x",
            id="1.20.2 (the lab) + 2.1.9: refused",
        ),
        pytest.param((1, 22, 17), (2, 0, 0), "kubelet v1.22.17 with containerd v2.0.0 cannot work", id="1.22 + 2.0"),
        pytest.param((1, 20, 2), (1, 7, 24), None, id="1.20.2 + 1.7.24: works"),
        pytest.param((1, 20, 2), (1, 6, 20), None, id="1.20.2 + 1.6.20 (the lab): works"),
        pytest.param((1, 23, 0), (2, 0, 0), None, id="1.23 + 2.0: CRI v1, works"),
        pytest.param((1, 35, 9), (1, 7, 24), None, id="1.35 + 1.7: last with 1.x"),
        pytest.param(
            (1, 36, 0),
            (1, 7, 24),
            "kubelet v1.36.0 with containerd v1.7.24 cannot work: kubelet 1.36+ takes its cgroup driver from the "
            "runtime's RuntimeConfig CRI call, which containerd 1.x lacks",
            id="1.36 + 1.7: refused",
        ),
        pytest.param((1, 36, 0), (2, 2, 0), None, id="1.36 + 2.2: works"),
    ],
)
def test_rule_version_guard(kubelet: k.Version, containerd: k.Version, message: str | None) -> None:
    if message is None:
        k.check_runtime_pair(kubelet, containerd)
        return
    with pytest.raises(k.KubeletError) as err:
        k.check_runtime_pair(kubelet, containerd)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("containerd github.com/containerd/containerd/v2 2.1.9+unknown ", (2, 1, 9)),  # Debian sid's binary
        ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", (1, 6, 20)),  # bookworm
        ("containerd containerd.io v1.7.24 88bf19b2105c8b17560993bee28a01ddc2f97182", (1, 7, 24)),  # a release
    ],
)
def test_containerd_version_texts(text: str, version: k.Version) -> None:
    assert k.parse_version(text, "containerd") == version
