# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node labels for the runtime handlers a node verified, with ownership.

Each handler becomes the label ``<prefix>/<handler>=true``. The labels this
collection set are listed in one annotation on the Node
(:data:`OWNED_ANNOTATION`), and only those are ever removed: a label someone
else set, even under our prefix, stays, and so does one that already had the
value we wanted when we came (we do not claim it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._kube_validate import SpecError, check_dns_label, check_dns_subdomain

if TYPE_CHECKING:  # the client (request() and its errors) is declared once, in _kube
    from ._kube import Kube

DEFAULT_PREFIX = "handler.cri-runtimes.io"
OWNED_ANNOTATION = "cri-runtimes.io/owned-labels"
KATA_DEPLOY_LABEL = "katacontainers.io/kata-runtime"


def parse_owned(annotation: str | None) -> list[str]:
    """The label keys the annotation lists (comma separated)."""
    return sorted({k.strip() for k in (annotation or "").split(",") if k.strip()})


def desired_labels(handlers: list[str], prefix: str, kata_deploy_label: bool) -> dict[str, str]:
    """The labels a node with these verified handlers should carry."""
    check_dns_subdomain(prefix, "label_prefix")
    wanted = {f"{prefix}/{check_dns_label(h, f'handlers[{i}]')}": "true" for i, h in enumerate(handlers)}
    if kata_deploy_label and any(h == "kata" or h.startswith("kata-") for h in handlers):
        wanted[KATA_DEPLOY_LABEL] = "true"
    return wanted


@dataclass
class Plan:
    """What to change on one Node: label key → value (``None`` removes), and the new owned list."""

    patch: dict[str, str | None] = field(default_factory=dict)
    owned: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    owned_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.patch) or self.owned_changed


def plan(current: dict[str, str], owned_before: list[str], wanted: dict[str, str]) -> Plan:
    """Set the wanted labels, remove the owned ones no longer wanted, never touch anyone else's."""
    out = Plan()
    owned = set(owned_before)
    for key, value in sorted(wanted.items()):
        if current.get(key) == value:
            continue  # ours already, or someone else's with the same value: leave ownership as it is
        out.patch[key] = value
        out.added.append(key)
        owned.add(key)
    for key in sorted(owned - set(wanted)):
        if key in current:
            out.patch[key] = None
            out.removed.append(key)
        owned.discard(key)
    out.owned = sorted(owned)
    out.owned_changed = out.owned != sorted(set(owned_before))
    return out


def run(kube: Kube, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    name = params.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError("name: the Node's name is required")
    check_dns_subdomain(name, "name")
    handlers = list(params.get("handlers") or [])
    if params.get("state") == "absent":
        handlers = []
    wanted = desired_labels(
        handlers, params.get("label_prefix") or DEFAULT_PREFIX, bool(params.get("kata_deploy_label"))
    )
    try:
        node = kube.request("GET", f"/api/v1/nodes/{name}", action=f"reading Node {name}")
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            raise SpecError(
                f"name: there is no Node {name!r} in the cluster (a Node appears when its kubelet registers; "
                "check runtimeclass_node_name or the node name the kubelet uses)"
            ) from None
        raise
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    owned_before = parse_owned(annotations.get(OWNED_ANNOTATION))
    todo = plan(labels, owned_before, wanted)
    result: dict[str, Any] = {
        "changed": todo.changed,
        "added": todo.added,
        "removed": todo.removed,
        "owned": todo.owned,
        "labels": labels,
    }
    before = {k: labels[k] for k in sorted(set(owned_before) | set(wanted)) if k in labels}
    if todo.changed:
        patch = {
            "metadata": {
                "resourceVersion": meta.get("resourceVersion"),
                "labels": todo.patch,
                "annotations": {OWNED_ANNOTATION: ",".join(todo.owned) or None},
            }
        }
        updated = kube.request(
            "PATCH",
            f"/api/v1/nodes/{name}",
            patch,
            query={"dryRun": "All"} if check_mode else None,
            content_type="application/merge-patch+json",
            action=f"labelling Node {name}",
        )
        result["labels"] = (updated.get("metadata") or {}).get("labels") or {}
    after_labels = result["labels"]
    result["diff"] = {
        "before": before,
        "after": {k: after_labels[k] for k in sorted(set(owned_before) | set(wanted)) if k in after_labels},
        "before_header": f"Node {name} labels",
        "after_header": f"Node {name} labels",
    }
    return result


def run_with_retry(kube: Kube, params: dict[str, Any], check_mode: bool, attempts: int = 3) -> dict[str, Any]:
    """Another writer (the kubelet updates its Node often) makes the patch conflict: read again and retry."""
    for attempt in range(attempts):
        try:
            return run(kube, params, check_mode)
        except Exception as exc:
            if getattr(exc, "status", None) != 409 or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
