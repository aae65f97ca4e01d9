# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from fractions import Fraction

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._kube_validate import (
    SpecError,
    check_dns_label,
    check_dns_subdomain,
    check_label_value,
    check_labels,
    check_qualified_name,
    check_resource_list,
    check_toleration,
    check_tolerations,
    format_quantity,
    normalise_quantity,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Fraction(1, 4)),
        ("0.25", Fraction(1, 4)),
        (".25", Fraction(1, 4)),
        ("1", Fraction(1)),
        (2, Fraction(2)),
        (0.5, Fraction(1, 2)),
        ("160Mi", Fraction(160 * 2**20)),
        ("1Gi", Fraction(2**30)),
        ("1k", Fraction(1000)),
        ("1M", Fraction(10**6)),
        ("2e3", Fraction(2000)),
        ("1E-3", Fraction(1, 1000)),
        ("+5", Fraction(5)),
        ("-1", Fraction(-1)),
        ("100n", Fraction(1, 10**7)),
        ("1u", Fraction(1, 10**6)),
        # below a nanounit the API server rounds up; so do we
        ("0.0000000001", Fraction(1, 10**9)),
    ],
)
def test_parse_quantity(text: object, value: Fraction) -> None:
    assert parse_quantity(text, "f") == value


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1Mb", "Mi", "1 Gi", "0x10", True, None, [1]])
def test_parse_quantity_rejects(text: object) -> None:
    with pytest.raises(SpecError, match=r"^overhead\.cpu: "):
        parse_quantity(text, "overhead.cpu")


@pytest.mark.parametrize(
    ("a", "b"),
    [("250m", "0.25"), ("128Mi", "134217728"), ("1", "1000m"), ("1k", "1000"), ("1e3", "1k"), ("0.5Gi", "512Mi")],
)
def test_equal_quantities_normalise_alike(a: str, b: str) -> None:
    assert normalise_quantity(a, "f") == normalise_quantity(b, "f")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("0.25", "250m"), ("134217728", "128Mi"), ("1000", "1000"), ("2", "2"), ("100n", "100n"), ("1536Ki", "1536Ki")],
)
def test_format_quantity(text: str, canonical: str) -> None:
    assert format_quantity(parse_quantity(text, "f")) == canonical


def test_different_quantities_differ() -> None:
    assert normalise_quantity("250m", "f") != normalise_quantity("251m", "f")


@pytest.mark.parametrize("good", ["runc", "kata-qemu", "a", "a1", "x" * 63])
def test_dns_label_ok(good: str) -> None:
    assert check_dns_label(good, "handler") == good


@pytest.mark.parametrize("bad", ["", "Runc", "kata_qemu", "-a", "a-", "a.b", "x" * 64, None, 3])
def test_dns_label_bad(bad: object) -> None:
    with pytest.raises(SpecError, match=r"^handler: "):
        check_dns_label(bad, "handler")


@pytest.mark.parametrize("good", ["gvisor", "kata.qemu", "a-b.c-d"])
def test_dns_subdomain_ok(good: str) -> None:
    assert check_dns_subdomain(good, "name") == good


@pytest.mark.parametrize("bad", ["Bad", "a..b", ".a", "a" * 254])
def test_dns_subdomain_bad(bad: str) -> None:
    with pytest.raises(SpecError, match=r"^name: "):
        check_dns_subdomain(bad, "name")


@pytest.mark.parametrize(
    "good", ["disk", "handler.cri-runtimes.io/runsc", "katacontainers.io/kata-runtime", "A_b.c", "k" * 63]
)
def test_qualified_name_ok(good: str) -> None:
    assert check_qualified_name(good, "labels") == good


@pytest.mark.parametrize("bad", ["", "/x", "a/", "Bad.Prefix/x", "a/b/c!", "bad key", "k" * 64, "_x"])
def test_qualified_name_bad(bad: str) -> None:
    with pytest.raises(SpecError, match=r"^labels: "):
        check_qualified_name(bad, "labels")


def test_label_values() -> None:
    assert check_label_value("", "v") == ""
    assert check_label_value("true", "v") == "true"
    assert check_label_value(1, "v") == "1"
    with pytest.raises(SpecError, match="quote 'true'"):
        check_label_value(True, "v")
    with pytest.raises(SpecError, match=r"^v: "):
        check_label_value("not ok!", "v")
    with pytest.raises(SpecError):
        check_label_value("x" * 64, "v")


def test_labels_map() -> None:
    assert check_labels(None, "l") == {}
    assert check_labels({"a/b": "c"}, "l") == {"a/b": "c"}
    with pytest.raises(SpecError, match=r"^l\.k: "):
        check_labels({"k": "bad value"}, "l")
    with pytest.raises(SpecError, match="mapping"):
        check_labels(["a"], "l")


def test_resource_list_keeps_the_text_and_checks_names() -> None:
    assert check_resource_list({"cpu": "250m", "memory": 64, "example.com/slots": "1"}, "o") == {
        "cpu": "250m",
        "memory": "64",
        "example.com/slots": "1",
    }
    assert check_resource_list({"hugepages-2Mi": "2Mi"}, "o") == {"hugepages-2Mi": "2Mi"}
    with pytest.raises(SpecError, match=r"domain prefix, such as example\.com/gpu"):
        check_resource_list({"gpu": "1"}, "o")
    with pytest.raises(SpecError, match="negative"):
        check_resource_list({"cpu": "-1"}, "o")
    with pytest.raises(SpecError, match=r"^o\.cpu: "):
        check_resource_list({"cpu": "lots"}, "o")


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ({"key": "a", "operator": "Exists"}, {"key": "a", "operator": "Exists"}),
        ({"key": "a", "value": "b"}, {"key": "a", "operator": "Equal", "value": "b"}),
        ({"operator": "Exists"}, {"operator": "Exists"}),
        (
            {"key": "a", "operator": "Exists", "effect": "NoExecute", "toleration_seconds": 30},
            {"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
        ),
        ({"key": "a", "value": None, "effect": None}, {"key": "a", "operator": "Equal"}),
    ],
)
def test_toleration_normalised(given: dict, normalised: dict) -> None:
    assert check_toleration(given, "t") == normalised


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"key": "a", "operator": "Exists", "value": "b"}, r"^t\.value: must be empty"),
        ({"value": "b"}, r"^t\.operator: a toleration without a key"),
        ({"key": "a", "operator": "In"}, r"^t\.operator: 'In'"),
        ({"key": "a", "effect": "Sometimes"}, r"^t\.effect: "),
        ({"key": "a", "effect": "NoSchedule", "tolerationSeconds": 5}, r"^t\.tolerationSeconds: only allowed"),
        ({"key": "a", "effect": "NoExecute", "tolerationSeconds": "5"}, r"^t\.tolerationSeconds: must be an integer"),
        ({"key": "a", "colour": "red"}, r"^t: unknown toleration field"),
        ({"key": "bad key"}, r"^t\.key: "),
        ("x", r"^t: each toleration must be a mapping"),
    ],
)
def test_toleration_errors(given: object, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        check_toleration(given, "t")


def test_tolerations_index_in_messages() -> None:
    with pytest.raises(SpecError, match=r"^s\.tolerations\[1\]\.value"):
        check_tolerations([{"key": "a"}, {"key": "b", "operator": "Exists", "value": "c"}], "s.tolerations")
