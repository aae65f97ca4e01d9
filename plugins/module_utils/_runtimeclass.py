# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RuntimeClass objects: validate, normalise, compare, and apply them.

``node.k8s.io/v1`` (Kubernetes 1.20+) and ``node.k8s.io/v1beta1`` (1.14 to
1.24) hold the same fields at the same places: ``handler``,
``overhead.podFixed`` and ``scheduling.{nodeSelector,tolerations}`` at the top
level of the object (only the long-gone ``v1alpha1`` nested them under
``spec``). The version matters for the URL and ``apiVersion``; both are
chosen in one place, :func:`api_path` and :func:`render`.

A class is compared through :func:`normalise`: quantities by value (``250m``
equals ``0.25``), tolerations with the API's defaults filled in, labels and
annotations only for the keys the caller manages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._kube_validate import (
    SpecError,
    check_dns_label,
    check_dns_subdomain,
    check_label_value,
    check_labels,
    check_qualified_name,
    check_resource_list,
    check_tolerations,
    normalise_quantity,
)

if TYPE_CHECKING:  # the client's request() is declared once, in _kube; tests pass fakes with the same method
    from ._kube import Kube

GROUP = "node.k8s.io"
API_VERSIONS = ("node.k8s.io/v1", "node.k8s.io/v1beta1")
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "cri.runtimes"


def split_meta(values: Any, field: str, *, label: bool) -> tuple[dict[str, str], list[str]]:
    """Labels or annotations to set, and keys to remove (given as ``null``)."""
    if values is None:
        return {}, []
    if not isinstance(values, dict):
        raise SpecError(f"{field}: must be a mapping")
    wanted: dict[str, str] = {}
    remove: list[str] = []
    for key, value in values.items():
        check_qualified_name(key, field)
        if value is None:
            remove.append(key)
        elif label:
            wanted[key] = check_label_value(value, f"{field}.{key}")
        else:
            wanted[key] = value if isinstance(value, str) else str(value)
    return wanted, sorted(remove)


def build_spec(params: dict[str, Any]) -> dict[str, Any]:
    """The class body without metadata, in the API's shape, from module parameters."""
    check_dns_subdomain(params.get("name"), "name")
    spec: dict[str, Any] = {"handler": check_dns_label(params.get("handler"), "handler")}
    overhead = params.get("overhead") or {}
    if not isinstance(overhead, dict):
        raise SpecError("overhead: must be a mapping with pod_fixed")
    pod_fixed = overhead.get("pod_fixed", overhead.get("podFixed"))
    fixed = check_resource_list(pod_fixed, "overhead.pod_fixed")
    if fixed:
        spec["overhead"] = {"podFixed": fixed}
    scheduling = params.get("scheduling") or {}
    if not isinstance(scheduling, dict):
        raise SpecError("scheduling: must be a mapping with node_selector and tolerations")
    selector = check_labels(scheduling.get("node_selector", scheduling.get("nodeSelector")), "scheduling.node_selector")
    tolerations = check_tolerations(scheduling.get("tolerations"), "scheduling.tolerations")
    sched: dict[str, Any] = {}
    if selector:
        sched["nodeSelector"] = selector
    if tolerations:
        sched["tolerations"] = tolerations
    if sched:
        spec["scheduling"] = sched
    return spec


def normalise(obj: dict[str, Any] | None) -> dict[str, Any]:
    """The parts of a class that matter, in one comparable form (either API version)."""
    if not obj:
        return {}
    spec = obj.get("spec")
    body: dict[str, Any] = spec if "handler" not in obj and isinstance(spec, dict) else obj
    overhead = (body.get("overhead") or {}).get("podFixed") or {}
    scheduling = body.get("scheduling") or {}
    tolerations = []
    for item in scheduling.get("tolerations") or []:
        tol = {k: v for k, v in item.items() if v not in (None, "")}
        tol.setdefault("operator", "Equal")
        tolerations.append(dict(sorted(tol.items())))
    return {
        "handler": body.get("handler") or body.get("runtimeHandler"),
        "overhead": {k: normalise_quantity(v, f"overhead.podFixed.{k}") for k, v in sorted(overhead.items())},
        "nodeSelector": dict(sorted((scheduling.get("nodeSelector") or {}).items())),
        "tolerations": tolerations,
    }


def merge_meta(current: dict[str, str] | None, wanted: dict[str, str], remove: list[str]) -> dict[str, str]:
    """Current labels (or annotations) with ours set and the removed ones gone; others untouched."""
    out = dict(current or {})
    out.update(wanted)
    for key in remove:
        out.pop(key, None)
    return out


def api_path(api_version: str, name: str | None = None) -> str:
    path = f"/apis/{api_version}/runtimeclasses"
    return f"{path}/{name}" if name else path


def render(
    name: str,
    spec: dict[str, Any],
    *,
    labels: dict[str, str],
    annotations: dict[str, str],
    api_version: str,
    rv: str | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    if rv:
        metadata["resourceVersion"] = rv
    body: dict[str, Any] = {"apiVersion": api_version, "kind": "RuntimeClass", "metadata": metadata}
    body.update(spec)
    return body


def choose_api_version(group: dict[str, Any], requested: str) -> str:
    """The version to talk: the one asked for, or the newest the server serves."""
    served = [v.get("groupVersion") for v in group.get("versions") or []]
    if requested != "auto":
        if requested not in served:
            raise SpecError(
                f"api_version: the API server does not serve {requested} (it serves: {', '.join(served) or 'none'})"
            )
        return requested
    for version in API_VERSIONS:
        if version in served:
            return version
    raise SpecError(
        f"the API server serves no RuntimeClass API ({', '.join(API_VERSIONS)}); "
        f"{GROUP} offers: {', '.join(served) or 'nothing'}. RuntimeClass needs Kubernetes 1.14 or later."
    )


def view(obj: dict[str, Any] | None, label_keys: list[str], annotation_keys: list[str]) -> dict[str, Any]:
    """What a diff shows: the normalised class plus the labels and annotations the caller manages."""
    if not obj:
        return {}
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    out = normalise(obj)
    out["labels"] = {k: labels[k] for k in sorted(label_keys) if k in labels}
    out["annotations"] = {k: annotations[k] for k in sorted(annotation_keys) if k in annotations}
    return out


def selector_string(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


@dataclass
class Wanted:
    """One class as the caller wants it, checked."""

    name: str
    state: str
    spec: dict[str, Any]
    labels: dict[str, str]
    drop_labels: list[str]
    annotations: dict[str, str]
    drop_annotations: list[str]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Wanted:
        name = check_dns_subdomain(params.get("name"), "name")
        state = params.get("state") or "present"
        labels, drop_labels = split_meta(params.get("labels"), "labels", label=True)
        annotations, drop_annotations = split_meta(params.get("annotations"), "annotations", label=False)
        spec = build_spec(params) if state == "present" else {}
        return cls(name, state, spec, labels, drop_labels, annotations, drop_annotations)

    def view(self, obj: dict[str, Any] | None) -> dict[str, Any]:
        return view(obj, sorted({*self.labels, *self.drop_labels}), sorted({*self.annotations, *self.drop_annotations}))


def check_matching_node(kube: Kube, want: Wanted, check_mode: bool, result: dict[str, Any]) -> None:
    """Fail (warn in check mode) when no Node carries the class's node selector."""
    selector_map = want.spec.get("scheduling", {}).get("nodeSelector")
    if not selector_map:
        return
    selector = selector_string(selector_map)
    nodes = kube.request("GET", "/api/v1/nodes", query={"labelSelector": selector, "limit": 1}, action="listing nodes")
    if nodes.get("items"):
        return
    if check_mode:
        # Labels that earlier check-mode tasks would set are not there to be seen.
        result.setdefault("warnings", []).append(
            f"no node carries {selector} yet, so a real run fails for RuntimeClass {want.name} unless "
            "the nodes are labelled first"
        )
        return
    raise SpecError(
        f"scheduling.node_selector: no node carries {selector}, so pods of RuntimeClass {want.name} "
        "could never be scheduled; label a node first or set require_matching_node=false"
    )


def update(
    kube: Kube,
    want: Wanted,
    current: dict[str, Any],
    api_version: str,
    *,
    params: dict[str, Any],
    check_mode: bool,
) -> dict[str, Any]:
    """Bring an existing class in line: nothing, an update, or (for a new handler) a re-creation."""
    meta = current.get("metadata") or {}
    labels = merge_meta(meta.get("labels"), want.labels, want.drop_labels)
    annotations = merge_meta(meta.get("annotations"), want.annotations, want.drop_annotations)
    wanted_norm = normalise(want.spec)
    have_norm = normalise(current)
    same_meta = labels == (meta.get("labels") or {}) and annotations == (meta.get("annotations") or {})
    name = want.name
    if have_norm == wanted_norm and same_meta:
        return {"changed": False, "result": current}
    if have_norm["handler"] == wanted_norm["handler"]:
        rv = params.get("resource_version") or meta.get("resourceVersion")
        body = render(name, want.spec, labels=labels, annotations=annotations, api_version=api_version, rv=rv)
        dry = {"dryRun": "All"} if check_mode else None
        updated = kube.request(
            "PUT", api_path(api_version, name), body, query=dry, action=f"updating RuntimeClass {name}"
        )
        return {"changed": True, "result": updated}
    if not params.get("recreate"):
        raise SpecError(
            f"handler: RuntimeClass {name} has handler {have_norm['handler']!r} and the API does not "
            f"allow changing it to {wanted_norm['handler']!r} (the field is immutable). Set "
            "recreate=true to delete and re-create the class (running pods keep their sandbox; "
            "new pods get the new handler)."
        )
    body = render(name, want.spec, labels=labels, annotations=annotations, api_version=api_version)
    if check_mode:
        return {"changed": True, "recreated": True, "result": body}
    # Delete only the version compared above: a concurrent change fails with 409.
    options = {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "preconditions": {"resourceVersion": meta.get("resourceVersion")},
    }
    kube.request("DELETE", api_path(api_version, name), options, action=f"deleting RuntimeClass {name} to re-create it")
    created = kube.request("POST", api_path(api_version), body, action=f"re-creating RuntimeClass {name}")
    return {"changed": True, "recreated": True, "result": created}


def run(kube: Kube, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """Bring one RuntimeClass to the wanted state; return the module result.

    Raises SpecError for bad input (before any request) and the connection's
    error type for failed requests.
    """
    want = Wanted.from_params(params)
    group = kube.request("GET", f"/apis/{GROUP}", action="discovering the node.k8s.io API")
    api_version = choose_api_version(group, params.get("api_version") or "auto")
    dry = {"dryRun": "All"} if check_mode else None
    result: dict[str, Any] = {"changed": False, "api_version": api_version, "recreated": False}
    current = get(kube, api_version, want.name)
    before = want.view(current)

    if want.state == "absent":
        result["result"] = {}
        if current:
            kube.request(
                "DELETE", api_path(api_version, want.name), query=dry, action=f"deleting RuntimeClass {want.name}"
            )
            result["changed"] = True
        result["diff"] = {"before": before, "after": {}}
        return result

    if params.get("require_matching_node"):
        check_matching_node(kube, want, check_mode, result)
    if current is None:
        body = render(want.name, want.spec, labels=want.labels, annotations=want.annotations, api_version=api_version)
        created = kube.request(
            "POST", api_path(api_version), body, query=dry, action=f"creating RuntimeClass {want.name}"
        )
        result.update(changed=True, result=created or body)
    else:
        result.update(update(kube, want, current, api_version, params=params, check_mode=check_mode))
    result["diff"] = {"before": before, "after": want.view(result["result"])}
    return result


def get(kube: Kube, api_version: str, name: str) -> dict[str, Any] | None:
    try:
        return kube.request("GET", api_path(api_version, name), action=f"reading RuntimeClass {name}")
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


def run_with_retry(kube: Kube, params: dict[str, Any], check_mode: bool, attempts: int = 3) -> dict[str, Any]:
    """:func:`run`, read-compare-write again when another writer got there first (409).

    With an explicit ``resource_version`` the conflict is the caller's answer and is not retried.
    """
    for attempt in range(attempts):
        try:
            return run(kube, params, check_mode)
        except Exception as exc:
            if getattr(exc, "status", None) != 409 or params.get("resource_version") or attempt == attempts - 1:
                if getattr(exc, "status", None) == 409:
                    raise type(exc)(
                        f"{exc} (the class changed since it was read; read it again and retry)",
                        409,
                        getattr(exc, "body", None),
                    ) from None
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def list_classes(kube: Kube, params: dict[str, Any]) -> dict[str, Any]:
    """The classes the server holds, optionally one by name or those matching a label selector."""
    group = kube.request("GET", f"/apis/{GROUP}", action="discovering the node.k8s.io API")
    api_version = choose_api_version(group, params.get("api_version") or "auto")
    name = params.get("name")
    if name:
        found = get(kube, api_version, check_dns_subdomain(name, "name"))
        items = [found] if found else []
    else:
        query = {"labelSelector": params["label_selector"]} if params.get("label_selector") else None
        answer = kube.request("GET", api_path(api_version), query=query, action="listing RuntimeClasses")
        items = sorted(answer.get("items") or [], key=lambda o: (o.get("metadata") or {}).get("name", ""))
        for item in items:
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", "RuntimeClass")
    return {"changed": False, "api_version": api_version, "classes": items}
