# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _runtimeclass as rc
from ansible_collections.cri.runtimes.plugins.module_utils._kube_validate import SpecError

BASE = {
    "name": "kata-qemu",
    "handler": "kata-qemu",
    "overhead": {"pod_fixed": {"cpu": "250m", "memory": "160Mi"}},
    "scheduling": {
        "node_selector": {"handler.cri-runtimes.io/kata-qemu": "true"},
        "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}],
    },
}


def test_build_spec_in_the_api_shape() -> None:
    assert rc.build_spec(BASE) == {
        "handler": "kata-qemu",
        "overhead": {"podFixed": {"cpu": "250m", "memory": "160Mi"}},
        "scheduling": {
            "nodeSelector": {"handler.cri-runtimes.io/kata-qemu": "true"},
            "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}],
        },
    }


def test_build_spec_leaves_out_empty_parts() -> None:
    assert rc.build_spec({"name": "runc", "handler": "runc", "overhead": None, "scheduling": {}}) == {"handler": "runc"}
    spec = rc.build_spec({"name": "x", "handler": "runc", "scheduling": {"node_selector": None, "tolerations": None}})
    assert spec == {"handler": "runc"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"name": "x", "handler": "Bad"}, "handler"),
        ({"name": "Bad Name", "handler": "runc"}, "name"),
        ({"name": "x", "handler": "runc", "overhead": {"pod_fixed": {"cpu": "x"}}}, "overhead.pod_fixed.cpu"),
        ({"name": "x", "handler": "runc", "overhead": "1"}, "overhead"),
        ({"name": "x", "handler": "runc", "scheduling": {"node_selector": {"a": "b c"}}}, "scheduling.node_selector.a"),
        ({"name": "x", "handler": "runc", "scheduling": {"tolerations": [{"value": "v"}]}}, "scheduling.tolerations"),
    ],
)
def test_build_spec_names_the_field(params: dict, field: str) -> None:
    with pytest.raises(SpecError) as err:
        rc.build_spec(params)
    assert str(err.value).startswith(field)


def test_normalise_compares_by_value_and_fills_defaults() -> None:
    server = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "kata-qemu", "resourceVersion": "7"},
        "handler": "kata-qemu",
        "overhead": {"podFixed": {"memory": "167772160", "cpu": "0.25"}},
        "scheduling": {
            "nodeSelector": {"handler.cri-runtimes.io/kata-qemu": "true"},
            "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule", "value": ""}],
        },
    }
    assert rc.normalise(server) == rc.normalise(rc.build_spec(BASE))


def test_normalise_operator_default() -> None:
    a = {"handler": "h", "scheduling": {"tolerations": [{"key": "k", "value": "v"}]}}
    b = {"handler": "h", "scheduling": {"tolerations": [{"key": "k", "operator": "Equal", "value": "v"}]}}
    assert rc.normalise(a) == rc.normalise(b)


@pytest.mark.parametrize(
    "change",
    [
        {"overhead": {"podFixed": {"cpu": "251m", "memory": "160Mi"}}},
        {"overhead": {"podFixed": {"cpu": "250m"}}},
        {"scheduling": {"nodeSelector": {"other": "x"}}},
        {"handler": "kata-clh"},
    ],
)
def test_normalise_sees_real_changes(change: dict) -> None:
    wanted = rc.build_spec(BASE)
    assert rc.normalise({**wanted, **change}) != rc.normalise(wanted)


def test_normalise_reads_the_alpha_spec_shape() -> None:
    alpha = {"spec": {"runtimeHandler": "runc", "overhead": {"podFixed": {"cpu": "1"}}}}
    assert rc.normalise(alpha)["handler"] == "runc"
    assert rc.normalise(alpha)["overhead"] == {"cpu": "1"}


def test_split_meta_and_merge_keep_foreign_keys() -> None:
    wanted, remove = rc.split_meta({"team": None, "tier": 1}, "labels", label=True)
    assert wanted == {"tier": "1"}
    assert remove == ["team"]
    assert rc.merge_meta({"team": "a", "other": "b"}, wanted, remove) == {"other": "b", "tier": "1"}
    with pytest.raises(SpecError, match=r"^labels\.x"):
        rc.split_meta({"x": "bad value"}, "labels", label=True)
    # annotation values are free text
    assert rc.split_meta({"a/b": "any text: really"}, "annotations", label=False)[0] == {"a/b": "any text: really"}


def test_render_and_paths() -> None:
    body = rc.render(
        "x", {"handler": "runc"}, labels={"a": "b"}, annotations={}, api_version="node.k8s.io/v1beta1", rv="5"
    )
    assert body == {
        "apiVersion": "node.k8s.io/v1beta1",
        "kind": "RuntimeClass",
        "metadata": {"name": "x", "labels": {"a": "b"}, "resourceVersion": "5"},
        "handler": "runc",
    }
    assert rc.api_path("node.k8s.io/v1") == "/apis/node.k8s.io/v1/runtimeclasses"
    assert rc.api_path("node.k8s.io/v1", "x") == "/apis/node.k8s.io/v1/runtimeclasses/x"


GROUP_120 = {"versions": [{"groupVersion": "node.k8s.io/v1"}, {"groupVersion": "node.k8s.io/v1beta1"}]}
GROUP_119 = {"versions": [{"groupVersion": "node.k8s.io/v1beta1"}]}


def test_choose_api_version() -> None:
    assert rc.choose_api_version(GROUP_120, "auto") == "node.k8s.io/v1"
    assert rc.choose_api_version(GROUP_119, "auto") == "node.k8s.io/v1beta1"
    assert rc.choose_api_version(GROUP_120, "node.k8s.io/v1beta1") == "node.k8s.io/v1beta1"
    with pytest.raises(SpecError, match=r"does not serve node\.k8s\.io/v1 "):
        rc.choose_api_version(GROUP_119, "node.k8s.io/v1")
    with pytest.raises(SpecError, match=r"1\.14 or later"):
        rc.choose_api_version({"versions": [{"groupVersion": "node.k8s.io/v1alpha1"}]}, "auto")


def test_view_shows_only_managed_metadata() -> None:
    obj = {"handler": "runc", "metadata": {"labels": {"a": "1", "b": "2"}, "annotations": {"n": "x"}}}
    shown = rc.view(obj, ["a"], [])
    assert shown["labels"] == {"a": "1"}
    assert shown["annotations"] == {}
    assert rc.view(None, ["a"], []) == {}


def test_selector_string() -> None:
    assert rc.selector_string({"b": "2", "a": "1"}) == "a=1,b=2"
