# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Debian package version a node must have: Debian version ordering, `apt-cache policy`.

The containerd role's distro method (containerd_distro_version) resolves the requested version
against what apt offers on the node; this module is that decision, pure and Ansible-free.

Version ordering follows deb-version(7) ("Sorting algorithm"), a fact of dpkg, written here:
  [epoch:]upstream_version[-debian_revision]; the epoch compares as an integer (absent = 0), then
  the upstream version, then the revision (absent = "0"). Each is compared left to right as
  alternating non-digit and digit parts: non-digit parts character by character where a tilde
  sorts before everything, even the end of the part, and letters before non-letters; digit parts
  numerically (an empty part = 0). So 2.1.9~ds1 < 2.1.9 < 2.1.9+ds1, and 1:1.0 > 2.1.
"""

from __future__ import annotations

import re
from typing import Any

Offer = tuple[str, int]

_POLICY_VERSION = re.compile(r"^(?: \*\*\* | {5})(\S+) (-?\d+)\s*$")
_POLICY_FIELD = re.compile(r"^ {2}(Installed|Candidate): (\S+)\s*$")
_DIGITS = re.compile(r"^\d+")


class AptVersionError(ValueError):
    """A malformed version or policy output."""


def split_version(version: str) -> tuple[int, str, str]:
    """(epoch, upstream, revision) of a Debian version (deb-version(7))."""
    if not version or any(c.isspace() for c in version):
        raise AptVersionError(f"not a Debian version: {version!r}")
    epoch = 0
    rest = version
    if ":" in version:
        head, rest = version.split(":", 1)
        if not head.isdigit():
            raise AptVersionError(f"not a Debian version (epoch {head!r} is not a number): {version!r}")
        epoch = int(head)
    upstream, revision = rest, "0"
    if "-" in rest:
        upstream, revision = rest.rsplit("-", 1)
    if not upstream or not upstream[0].isdigit():
        raise AptVersionError(f"not a Debian version (the upstream version must start with a digit): {version!r}")
    return epoch, upstream, revision


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(left: str, right: str) -> int:
    i = j = 0
    while i < len(left) or j < len(right):
        # the non-digit prefix, character by character (the end of the part sorts as 0)
        while (i < len(left) and not left[i].isdigit()) or (j < len(right) and not right[j].isdigit()):
            lc = _order(left[i]) if i < len(left) and not left[i].isdigit() else 0
            rc = _order(right[j]) if j < len(right) and not right[j].isdigit() else 0
            if lc != rc:
                return -1 if lc < rc else 1
            if i < len(left) and not left[i].isdigit():
                i += 1
            if j < len(right) and not right[j].isdigit():
                j += 1
        # then the digit run, numerically
        ld = _DIGITS.match(left[i:])
        rd = _DIGITS.match(right[j:])
        ln = int(ld.group(0)) if ld else 0
        rn = int(rd.group(0)) if rd else 0
        if ln != rn:
            return -1 if ln < rn else 1
        i += len(ld.group(0)) if ld else 0
        j += len(rd.group(0)) if rd else 0
    return 0


def compare(left: str, right: str) -> int:
    """-1, 0 or 1 as dpkg --compare-versions orders two versions."""
    le, lu, lr = split_version(left)
    re_, ru, rr = split_version(right)
    if le != re_:
        return -1 if le < re_ else 1
    return _compare_part(lu, ru) or _compare_part(lr, rr)


def upstream_series(version: str) -> tuple[int, int]:
    """(major, minor) of the upstream version: 2.1.9+ds1-5 -> (2, 1)."""
    upstream = split_version(version)[1]
    numbers = re.findall(r"\d+", re.split(r"[~+]", upstream, maxsplit=1)[0])
    return int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0


def upstream_release(version: str) -> str:
    """The upstream release without Debian's repack suffix: 1:2.1.9~ds1-5 -> 2.1.9."""
    upstream = split_version(version)[1]
    return re.split(r"[~+]", upstream, maxsplit=1)[0]


def matches(request: str, version: str) -> bool:
    """Whether `version` satisfies `request`: the exact version, or a prefix of its version at a
    component boundary (2.1 matches 2.1.9+ds1-5 and 2.1-1, not 2.10.0-1). The epoch is part of the
    comparison only when the request names one; a request with a revision (`-`) is exact."""
    if request == version:
        return True
    if "-" in request:
        return False
    epoch, upstream = split_version(version)[:2]
    text = f"{epoch}:{upstream}" if ":" in request else upstream
    if not text.startswith(request):
        return False
    rest = text[len(request) :]
    return not rest or not (rest[0].isdigit() and request[-1].isdigit())


def parse_policy(text: str) -> dict[str, Any]:
    """`apt-cache policy PACKAGE` (one package): installed, candidate (None for "(none)") and the
    version table, [(version, pin priority)] in apt's order."""
    fields: dict[str, str | None] = {"Installed": None, "Candidate": None}
    offers: list[Offer] = []
    for line in text.splitlines():
        field = _POLICY_FIELD.match(line)
        if field:
            fields[field.group(1)] = None if field.group(2) == "(none)" else field.group(2)
            continue
        row = _POLICY_VERSION.match(line)
        if row:
            offers.append((row.group(1), int(row.group(2))))
    return {"installed": fields["Installed"], "candidate": fields["Candidate"], "versions": offers}


def _describe(offers: list[Offer]) -> str:
    return ", ".join(f"{v} (pin {p})" for v, p in offers) or "no version at all"


def _choose(request: str, candidate: str | None, offers: list[Offer]) -> str | None:
    if request == "latest":
        return candidate
    found = [(v, p) for v, p in offers if matches(request, v)]
    if candidate is not None and any(offer[0] == candidate for offer in found):
        return candidate
    if not found:
        return None
    best = max(offer[1] for offer in found)
    tops = [v for v, p in found if p == best]
    chosen = tops[0]
    for v in tops[1:]:
        if compare(v, chosen) > 0:
            chosen = v
    return chosen


def resolve(request: str, policy_text: str) -> dict[str, Any]:
    """The version a node must have for `request` (an exact version, a prefix or `latest`) and what
    that means for the installed one.

    Pins are respected: `latest` is apt's candidate; a prefix is the candidate when it matches,
    otherwise the matching version with the highest pin priority, the newest among equals; a
    version pinned below 0 is never chosen (apt_preferences(5): it may not be installed).

    Returns version (None when nothing matches), error (why, naming what apt offers), installed,
    and action: install (nothing installed), keep, change (same major version, apt does it),
    upgrade (1.x -> 2.x or later: the careful upgrade), downgrade (a major version down: refused).
    """
    policy = parse_policy(policy_text)
    installed: str | None = policy["installed"]
    candidate: str | None = policy["candidate"]
    offers: list[Offer] = [(v, p) for v, p in policy["versions"] if p >= 0]
    result: dict[str, Any] = {
        "request": request,
        "installed": installed,
        "candidate": candidate,
        "offered": [{"version": v, "pin": p} for v, p in policy["versions"]],
        "version": None,
        "error": None,
        "action": None,
    }
    request = request.strip()
    chosen = _choose(request, candidate, offers)
    if chosen is None:
        result["error"] = (
            f"apt offers no version matching {request!r} (installed: {installed or 'none'}; "
            f"candidate: {candidate or 'none'}; versions: {_describe(policy['versions'])})"
        )
        return result
    result["version"] = chosen
    result["release"] = upstream_release(chosen)
    result["series"] = "{}.{}".format(*upstream_series(chosen))
    if installed is None:
        result["action"] = "install"
    elif compare(installed, chosen) == 0:
        result["action"] = "keep"
    else:
        before, after = upstream_series(installed)[0], upstream_series(chosen)[0]
        result["installed_release"] = upstream_release(installed)
        if before == after:
            result["action"] = "change"
        elif before < after:
            result["action"] = "upgrade"
        else:
            result["action"] = "downgrade"
    return result
