# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes' own validation rules, checked locally before any API call.

The rules follow the API server's (apimachinery's ``validation`` package):
DNS-1123 labels and subdomains, qualified names (label and annotation keys),
label values, resource quantities, tolerations. Every error names the field
it is about, so a user can find it in the task.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUANTITY = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?[0-9]+))?$"
)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


class SpecError(ValueError):
    """Input that the API server would reject; the message names the field."""


# apimachinery's IsDNS1123Label / IsDNS1123Subdomain: pattern, length limit, the characters allowed
_DNS1123 = {
    "label": (_DNS1123_LABEL, 63, "lower-case letters, digits and '-'"),
    "subdomain": (_DNS1123_SUBDOMAIN, 253, "lower-case letters, digits, '-' and '.'"),
}


def _check_dns1123(value: Any, field: str, kind: str) -> str:
    pattern, limit, chars = _DNS1123[kind]
    if not isinstance(value, str) or not value:
        raise SpecError(f"{field}: must be a non-empty string (a DNS-1123 {kind})")
    if len(value) > limit or not pattern.match(value):
        raise SpecError(
            f"{field}: {value!r} is not a DNS-1123 {kind} ({chars}, "
            f"starting and ending with a letter or digit, at most {limit} characters)"
        )
    return value


def check_dns_label(value: Any, field: str) -> str:
    """A DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters."""
    return _check_dns1123(value, field, "label")


def check_dns_subdomain(value: Any, field: str) -> str:
    """A DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters."""
    return _check_dns1123(value, field, "subdomain")


def check_qualified_name(value: Any, field: str) -> str:
    """A label or annotation key: ``[prefix/]name``; prefix a DNS subdomain, name at most 63 characters."""
    if not isinstance(value, str) or not value:
        raise SpecError(f"{field}: a key must be a non-empty string")
    prefix, sep, name = value.rpartition("/")
    if sep:
        if not prefix:
            raise SpecError(f"{field}: {value!r}: the prefix before '/' must not be empty")
        check_dns_subdomain(prefix, f"{field}: prefix of {value!r}")
    if len(name) > 63 or not _QUALIFIED_NAME_PART.match(name):
        raise SpecError(
            f"{field}: {value!r} is not a valid key: the name part must be at most 63 characters of "
            "letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return value


def check_label_value(value: Any, field: str) -> str:
    """A label value: empty, or at most 63 letters, digits, '-', '_', '.' starting and ending alphanumeric."""
    if isinstance(value, bool):
        raise SpecError(f"{field}: label values are strings; quote {str(value).lower()!r} in YAML")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise SpecError(f"{field}: a label value must be a string, got {type(value).__name__}")
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise SpecError(
            f"{field}: {value!r} is not a valid label value (at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit)"
        )
    return value


def check_labels(labels: Any, field: str) -> dict[str, str]:
    """A map of label keys to values."""
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise SpecError(f"{field}: must be a mapping of label keys to values")
    return {check_qualified_name(k, field): check_label_value(v, f"{field}.{k}") for k, v in labels.items()}


def parse_quantity(value: Any, field: str) -> Fraction:
    """The exact value of a Kubernetes quantity (``250m``, ``0.25``, ``128Mi``, ``1e3``).

    The API server keeps at most nanounit precision and rounds up beyond it; so
    does this function, so that equal values compare equal.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):  # a tuple: Python 3.9 nodes
        raise SpecError(f"{field}: a quantity must be a string or a number, got {type(value).__name__}")
    text = repr(value) if isinstance(value, float) else str(value)
    match = _QUANTITY.match(text.strip())
    if not match:
        raise SpecError(f"{field}: {text!r} is not a Kubernetes quantity (examples: 250m, 0.5, 128Mi, 1Gi, 2e3)")
    number, suffix, exponent = match.groups()
    amount = Fraction(number)
    if exponent is not None:
        amount *= Fraction(10) ** int(exponent)
    elif suffix in _BINARY:
        amount *= _BINARY[suffix]
    else:
        amount *= _DECIMAL[suffix or ""]
    return Fraction(math.ceil(amount * 10**9), 10**9)


def format_quantity(amount: Fraction) -> str:
    """A canonical text for a quantity value: binary multiples (``160Mi``), whole units, milli-, nano-units."""
    if amount.denominator == 1:
        for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
            if amount.numerator and amount.numerator % _BINARY[suffix] == 0:
                return f"{amount.numerator // _BINARY[suffix]}{suffix}"
        return str(amount.numerator)
    milli = amount * 1000
    if milli.denominator == 1:
        return f"{milli.numerator}m"
    return f"{(amount * 10**9).numerator}n"


def normalise_quantity(value: Any, field: str) -> str:
    """``0.25`` and ``250m`` both become ``250m``; ``128Mi`` becomes ``134217728``."""
    return format_quantity(parse_quantity(value, field))


def check_resource_list(resources: Any, field: str) -> dict[str, str]:
    """A resource name → quantity map (such as RuntimeClass ``overhead.podFixed``), values as given."""
    if resources is None:
        return {}
    if not isinstance(resources, dict):
        raise SpecError(f"{field}: must be a mapping of resource names to quantities")
    out: dict[str, str] = {}
    for name, qty in resources.items():
        check_qualified_name(name, field)
        if "/" not in name and name not in STANDARD_RESOURCES and not name.startswith("hugepages-"):
            raise SpecError(
                f"{field}: {name!r} is not a standard resource ({', '.join(STANDARD_RESOURCES)}, hugepages-*); "
                f"extended resources need a domain prefix, such as example.com/{name}"
            )
        amount = parse_quantity(qty, f"{field}.{name}")
        if amount < 0:
            raise SpecError(f"{field}.{name}: {qty!r} is negative; overhead must be zero or more")
        out[name] = qty if isinstance(qty, str) else (repr(qty) if isinstance(qty, float) else str(qty))
    return out


def check_toleration(item: Any, field: str) -> dict[str, Any]:
    """One toleration, checked as the API server checks it; returned with empty fields dropped."""
    if not isinstance(item, dict):
        raise SpecError(f"{field}: each toleration must be a mapping")
    unknown = set(item) - {"key", "operator", "value", "effect", "tolerationSeconds", "toleration_seconds"}
    if unknown:
        raise SpecError(f"{field}: unknown toleration field(s): {', '.join(sorted(unknown))}")
    key = item.get("key") or ""
    operator = item.get("operator") or "Equal"
    value = item.get("value")
    value = "" if value is None else value
    effect = item.get("effect") or ""
    seconds = item.get("tolerationSeconds", item.get("toleration_seconds"))
    _check_toleration_match(key, operator, value, effect, field)
    out: dict[str, Any] = {"operator": operator}
    if key:
        out["key"] = key
    if value != "":
        out["value"] = str(value)
    if effect:
        out["effect"] = effect
    if seconds is not None:
        out["tolerationSeconds"] = _toleration_seconds(seconds, effect, field)
    return out


def _check_toleration_match(key: str, operator: str, value: Any, effect: str, field: str) -> None:
    """What the toleration matches: key, operator, value and effect (core/v1 validation's rules)."""
    if key:
        check_qualified_name(key, f"{field}.key")
    if operator not in TOLERATION_OPERATORS:
        raise SpecError(f"{field}.operator: {operator!r} is not one of {', '.join(TOLERATION_OPERATORS)}")
    if not key and operator != "Exists":
        raise SpecError(f"{field}.operator: a toleration without a key must use operator Exists")
    if operator == "Exists" and value != "":
        raise SpecError(f"{field}.value: must be empty when operator is Exists")
    if operator == "Equal":
        check_label_value(value, f"{field}.value")
    if effect and effect not in TAINT_EFFECTS:
        raise SpecError(f"{field}.effect: {effect!r} is not one of {', '.join(TAINT_EFFECTS)}")


def _toleration_seconds(seconds: Any, effect: str, field: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise SpecError(f"{field}.tolerationSeconds: must be an integer number of seconds")
    if effect != "NoExecute":
        raise SpecError(f"{field}.tolerationSeconds: only allowed with effect NoExecute")
    return seconds


def check_tolerations(items: Any, field: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise SpecError(f"{field}: must be a list of tolerations")
    return [check_toleration(item, f"{field}[{i}]") for i, item in enumerate(items)]
