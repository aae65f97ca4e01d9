# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _node_labels as nl
from ansible_collections.cri.runtimes.plugins.module_utils._kube_validate import SpecError

P = "handler.cri-runtimes.io"


def test_desired_labels() -> None:
    assert nl.desired_labels(["runc", "runsc"], P, False) == {f"{P}/runc": "true", f"{P}/runsc": "true"}
    with_kata = nl.desired_labels(["kata-qemu"], P, True)
    assert with_kata[nl.KATA_DEPLOY_LABEL] == "true"
    assert nl.KATA_DEPLOY_LABEL not in nl.desired_labels(["kata-qemu"], P, False)
    assert nl.KATA_DEPLOY_LABEL not in nl.desired_labels(["runc", "katana"], P, True)
    with pytest.raises(SpecError, match=r"^handlers\[1\]: "):
        nl.desired_labels(["runc", "Bad"], P, False)
    with pytest.raises(SpecError, match=r"^label_prefix: "):
        nl.desired_labels(["runc"], "Not A Prefix", False)


def test_parse_owned() -> None:
    assert nl.parse_owned(None) == []
    assert nl.parse_owned(" b, a,,a ") == ["a", "b"]


def test_plan_sets_missing_labels_and_owns_them() -> None:
    todo = nl.plan({}, [], {f"{P}/runc": "true"})
    assert todo.patch == {f"{P}/runc": "true"}
    assert todo.owned == [f"{P}/runc"]
    assert todo.changed


def test_plan_does_not_claim_a_label_that_was_already_there() -> None:
    todo = nl.plan({f"{P}/runc": "true"}, [], {f"{P}/runc": "true"})
    assert not todo.changed
    assert todo.owned == []


def test_plan_removes_only_owned_labels() -> None:
    current = {f"{P}/runc": "true", f"{P}/youki": "true", f"{P}/crun": "true", "kubernetes.io/os": "linux"}
    todo = nl.plan(current, [f"{P}/crun", f"{P}/runc"], {f"{P}/runc": "true"})
    assert todo.patch == {f"{P}/crun": None}
    assert todo.removed == [f"{P}/crun"]
    assert todo.owned == [f"{P}/runc"]


def test_plan_overwrites_a_wrong_value_and_owns_it() -> None:
    todo = nl.plan({f"{P}/runc": "false"}, [], {f"{P}/runc": "true"})
    assert todo.patch == {f"{P}/runc": "true"}
    assert todo.owned == [f"{P}/runc"]


def test_plan_forgets_owned_labels_someone_removed() -> None:
    todo = nl.plan({}, [f"{P}/crun"], {})
    assert todo.patch == {}
    assert todo.owned == []
    assert todo.owned_changed
    assert todo.changed


def test_plan_is_stable() -> None:
    current = {f"{P}/runc": "true"}
    todo = nl.plan(current, [f"{P}/runc"], {f"{P}/runc": "true"})
    assert not todo.changed


def test_prefix_change_moves_owned_labels() -> None:
    todo = nl.plan({"old.example/runc": "true"}, ["old.example/runc"], {"new.example/runc": "true"})
    assert todo.patch == {"new.example/runc": "true", "old.example/runc": None}
    assert todo.owned == ["new.example/runc"]
