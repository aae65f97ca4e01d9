# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one pod sandbox per CRI runtime handler, as a kubelet would, and remove it again.

The proof that containerd can start pods under a handler is that it does: ``RunPodSandbox``
with that ``runtime_handler`` makes containerd start the handler's shim and its OCI runtime
(the sandbox's pause container). A host-network sandbox needs no CNI plugin. Whatever the
outcome, every sandbox this check made is stopped and removed before it returns (also one
whose ``RunPodSandbox`` answer never came: it is found again by its uid).

The default handler: CRI's empty ``runtime_handler`` is containerd's ``default_runtime_name``
(a pod without a RuntimeClass). Here ``""`` asks for exactly that; any other name runs the
handler of that name (``runc`` is the handler named ``runc``, which is usually, but not
always, the default).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from . import _cri_client as cri

DEFAULT_NAMESPACE = "cri-runtimes-verify"
MANAGED_BY = ("app.kubernetes.io/managed-by", "cri.runtimes")
# containerd's words when it cannot get its sandbox image (pkg/cri/server/sandbox_run.go in 1.7,
# internal/cri/server/podsandbox/sandbox_run.go in 2.x: "failed to get sandbox image %q: %w")
SANDBOX_IMAGE_ERROR = "failed to get sandbox image"
SANDBOX_IMAGE_HINT = (
    "containerd could not get its sandbox (pause) image, which every pod sandbox needs: import it into "
    "containerd's k8s.io namespace (ctr -n k8s.io images import FILE) or let containerd reach its registry; "
    "the image is containerd's sandbox_image (config version 2) or pinned_images.sandbox (version 3+)"
)


@dataclass
class HandlerResult:
    handler: str
    ok: bool = False
    error: str = ""
    grpc_status: str = ""
    sandbox_id: str = ""
    removed: list[str] = field(default_factory=list)
    cleanup_errors: list[str] = field(default_factory=list)
    hint: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "handler": self.handler,
            "ok": self.ok,
            "error": self.error,
            "grpc_status": self.grpc_status,
            "sandbox_id": self.sandbox_id,
            "removed": list(self.removed),
            "cleanup_errors": list(self.cleanup_errors),
            "hint": self.hint,
        }


@dataclass
class Client:
    """The CRI calls the check makes (a seam for tests that need a runtime that misbehaves)."""

    socket: str
    timeout: float = 60.0
    connect: Callable[[str], Any] | None = None

    def run(self, spec: cri.SandboxSpec) -> str:
        return cri.run_pod_sandbox(self.socket, spec, self.timeout, self.connect)

    def stop(self, sandbox_id: str) -> None:
        cri.stop_pod_sandbox(self.socket, sandbox_id, self.timeout, self.connect)

    def remove(self, sandbox_id: str) -> None:
        cri.remove_pod_sandbox(self.socket, sandbox_id, self.timeout, self.connect)

    def find(self, uid: str) -> list[str]:
        return [s.id for s in cri.list_pod_sandboxes(self.socket, self.timeout, self.connect) if s.uid == uid]


def sandbox_name(handler: str) -> str:
    """A DNS-label-like pod name that says what it probes: ``probe-<handler>`` (``probe-default`` for "")."""
    name = re.sub(r"[^a-z0-9-]+", "-", (handler or "default").lower()).strip("-") or "handler"
    return f"probe-{name}"[:63].rstrip("-")


def check_handler(
    client: Client, handler: str, namespace: str = DEFAULT_NAMESPACE, cgroup_parent: str = ""
) -> HandlerResult:
    """RunPodSandbox with ``handler``; then StopPodSandbox and RemovePodSandbox, whatever happened."""
    result = HandlerResult(handler=handler)
    spec = cri.SandboxSpec(
        name=sandbox_name(handler),
        namespace=namespace,
        uid=str(uuid.uuid4()),
        runtime_handler=handler,
        cgroup_parent=cgroup_parent,
        labels=(MANAGED_BY, ("cri.runtimes/probe-handler", handler or "(default)")),
    )
    try:
        result.sandbox_id = client.run(spec)
        result.ok = bool(result.sandbox_id)
        if not result.ok:
            result.error = "RunPodSandbox answered without a sandbox id"
    except cri.GRPCStatusError as exc:
        result.error = exc.grpc_message or str(exc)
        result.grpc_status = exc.status
    except cri.CRIError as exc:
        result.error = str(exc)
    if SANDBOX_IMAGE_ERROR in result.error:
        result.hint = SANDBOX_IMAGE_HINT
    ids = [result.sandbox_id] if result.sandbox_id else []
    if not ids:
        # containerd may have made (part of) a sandbox before it failed or before our call timed out
        try:
            ids = client.find(spec.uid)
        except cri.CRIError as exc:
            result.cleanup_errors.append(f"ListPodSandbox: {exc}")
    for sandbox_id in ids:
        # RemovePodSandbox is tried even when the stop failed (containerd stops a sandbox it removes)
        for action in (client.stop, client.remove):
            try:
                action(sandbox_id)
            except cri.CRIError as exc:
                result.cleanup_errors.append(f"{sandbox_id}: {exc}")
            else:
                if action == client.remove:
                    result.removed.append(sandbox_id)
    return result


def check_handlers(
    client: Client, handlers: list[str], namespace: str = DEFAULT_NAMESPACE, cgroup_parent: str = ""
) -> dict[str, Any]:
    """Every handler in order; the module's result (without ``changed``)."""
    results = [check_handler(client, h, namespace, cgroup_parent) for h in handlers]
    ok = [r.handler for r in results if r.ok]
    failed = [r.handler for r in results if not r.ok]
    left = [f"{r.handler}: {'; '.join(r.cleanup_errors)}" for r in results if r.cleanup_errors]
    return {
        "results": [r.as_dict() for r in results],
        "ok_handlers": ok,
        "failed_handlers": failed,
        "errors": {r.handler: r.error for r in results if not r.ok},
        "cleanup_errors": left,
        "msg": summary(results),
    }


def summary(results: list[HandlerResult]) -> str:
    parts = []
    for r in results:
        name = r.handler or "(default)"
        if r.ok:
            parts.append(f"{name}: ran a sandbox")
        else:
            parts.append(f"{name}: FAILED ({r.grpc_status + ': ' if r.grpc_status else ''}{r.error})")
    return "; ".join(parts) if parts else "no handlers to check"
