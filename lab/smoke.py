# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke pods for the lab: one per RuntimeClass, plus one whose class fits no node.

Each pod prints its kernel release and kernel messages, then sleeps. Where it ran
comes from the scheduler (spec.nodeName); how it ran comes from the node itself:
containerd's record of the container (runtime and BinaryName) and, for gVisor,
the sandbox kernel's own messages.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from .cluster import Lab

NAMESPACE = "cri-lab-smoke"
NOWHERE_CLASS = "lab-nowhere"
MANAGED_BY = "app.kubernetes.io/managed-by"
SCRIPT = "echo kernel=$(uname -r); dmesg 2>/dev/null | head -n 3; exec sleep 3600"


@dataclass
class PodResult:
    runtime_class: str
    handler: str
    pod: str
    node: str = ""
    phase: str = ""
    reason: str = ""
    overhead: dict[str, str] = field(default_factory=dict)
    runtime: str = ""
    binary: str = ""
    kernel: str = ""
    gvisor: bool = False

    @property
    def proof(self) -> str:
        if self.phase != "Running":
            return self.reason
        if self.gvisor:
            return f"gVisor: dmesg 'Starting gVisor', kernel {self.kernel}"
        if self.binary:
            return f"{self.runtime} BinaryName={self.binary}, kernel {self.kernel}"
        return f"{self.runtime} (runc), kernel {self.kernel}"


def _pod_manifest(name: str, runtime_class: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 1,
        "containers": [
            {
                "name": "smoke",
                "image": "localhost/cri-runtimes/busybox:test",
                "imagePullPolicy": "Never",
                "command": ["sh", "-c", SCRIPT],
            }
        ],
    }
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE}, "spec": spec}


def _apply(lab: Lab, obj: dict[str, Any]) -> None:
    path = lab.current_log.with_suffix(".manifest.json") if lab.current_log else None
    assert path is not None
    path.write_text(json.dumps(obj))
    lab.kubectl("apply", "-f", str(path))


def ensure_namespace(lab: Lab) -> None:
    _apply(lab, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    # The ServiceAccount admission plugin is off (no token controller runs), but pods
    # still name a ServiceAccount: give them one that exists.
    _apply(lab, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": NAMESPACE}})


def ensure_nowhere_class(lab: Lab) -> None:
    """A class whose nodeSelector matches no node: its pod must stay Pending."""
    _apply(
        lab,
        {
            "apiVersion": "node.k8s.io/v1",
            "kind": "RuntimeClass",
            "metadata": {"name": NOWHERE_CLASS, "labels": {"cri-runtimes-lab": "smoke"}},
            "handler": "runc",
            "scheduling": {"nodeSelector": {"cri-runtimes-lab/no-such-node": "true"}},
        },
    )


def runtime_classes(lab: Lab) -> list[dict[str, Any]]:
    items = lab.kubectl_json("get", "runtimeclasses.node.k8s.io")["items"]
    return sorted(items, key=lambda rc: rc["metadata"]["name"])


def _container_info(lab: Lab, node: str, container_id: str) -> dict[str, Any]:
    out = lab.podman("exec", node, "ctr", "-n", "k8s.io", "containers", "info", container_id, capture=True)
    info: dict[str, Any] = json.loads(out)
    return info


def _runtime_options(info: dict[str, Any]) -> dict[str, Any]:
    """The runc shim options containerd recorded for a container.

    ctr prints them as a protobuf ``Any``: ``{"type_url": ..., "value": base64}``.
    Only ``BinaryName`` (field 6 of containerd.runc.v1.Options, a string) matters
    here, so a minimal wire-format reader does.
    """
    runtime = info.get("Runtime") or {}
    options = runtime.get("Options") or {}
    if not isinstance(options, dict):
        return {}
    if "BinaryName" in options:
        return options
    raw = base64.b64decode(options.get("value") or "")
    out: dict[str, Any] = {}
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = value = 0
        while True:
            byte = raw[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while pos < len(raw):
        key = varint()
        field_no, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire == 2:
            length = varint()
            if field_no == 6:
                out["BinaryName"] = raw[pos : pos + length].decode()
            pos += length
        elif wire == 5:
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            break
    return out


def run_smoke(lab: Lab, nodes: dict[str, dict[str, Any]], timeout: float = 120) -> tuple[str, list[str]]:
    """Create the pods, wait for them, gather the evidence: (table, problems found)."""
    ensure_namespace(lab)
    ensure_nowhere_class(lab)
    # Fresh pods every time: a pod keeps the overhead and scheduling its class had
    # when it was admitted, so an old pod would prove an old configuration.
    lab.kubectl("delete", "pods", "-n", NAMESPACE, "--all", "--grace-period=1", "--timeout=90s")
    classes = runtime_classes(lab)
    results: list[PodResult] = []
    for rc in classes:
        name = rc["metadata"]["name"]
        pod = f"smoke-{name}"
        results.append(PodResult(runtime_class=name, handler=rc["handler"], pod=pod))
        _apply(lab, _pod_manifest(pod, name))
    deadline = time.monotonic() + timeout
    while True:
        pods = {p["metadata"]["name"]: p for p in lab.kubectl_json("get", "pods", "-n", NAMESPACE)["items"]}
        settled = True
        for r in results:
            p = pods.get(r.pod)
            if p is None:
                settled = False
                continue
            r.node = p["spec"].get("nodeName", "")
            r.phase = p["status"].get("phase", "")
            r.overhead = p["spec"].get("overhead") or {}
            conds = {c["type"]: c for c in p["status"].get("conditions", [])}
            sched = conds.get("PodScheduled")
            if sched and sched.get("status") == "False":
                r.reason = f"{sched.get('reason')}: {sched.get('message', '')}".strip()
            expect_pending = r.runtime_class == NOWHERE_CLASS
            if expect_pending:
                settled &= bool(r.reason)
            else:
                settled &= r.phase == "Running"
        if settled or time.monotonic() > deadline:
            break
        time.sleep(2)
    for r in results:
        if r.phase != "Running":
            continue
        p = pods[r.pod]
        cid = p["status"]["containerStatuses"][0]["containerID"].split("://", 1)[1]
        info = _container_info(lab, r.node, cid)
        r.runtime = (info.get("Runtime") or {}).get("Name", "")
        r.binary = str(_runtime_options(info).get("BinaryName", ""))
        logs = lab.kubectl("logs", "-n", NAMESPACE, r.pod, check=False)
        for line in logs.splitlines():
            if line.startswith("kernel="):
                r.kernel = line.split("=", 1)[1]
        r.gvisor = "gVisor" in logs
    (lab.current_log.with_suffix(".json") if lab.current_log else None).write_text(  # type: ignore[union-attr]
        json.dumps([r.__dict__ for r in results], indent=1)
    )
    problems = check(results, lab.kubectl_json("get", "nodes")["items"])
    return status_table(lab, nodes) + "\n" + pods_table(results), problems


def check(results: list[PodResult], api_nodes: list[dict[str, Any]]) -> list[str]:
    """What a person would check in the table: every claim, with the evidence."""
    labels = {n["metadata"]["name"]: n["metadata"].get("labels", {}) for n in api_nodes}
    problems = []
    for r in results:
        if r.runtime_class == NOWHERE_CLASS:
            if r.phase != "Pending" or "node" not in r.reason:
                problems.append(f"{r.pod}: expected Pending with the scheduler's reason, got {r.phase} {r.reason!r}")
            continue
        if r.phase != "Running":
            problems.append(f"{r.pod}: {r.phase or 'not created'} on {r.node or 'no node'} {r.reason}".strip())
            continue
        if not any(k.endswith(f"/{r.handler}") for k in labels.get(r.node, {})):
            problems.append(f"{r.pod}: ran on {r.node}, which carries no label for handler {r.handler}")
        if r.handler == "runsc" and not r.gvisor:
            problems.append(f"{r.pod}: no 'Starting gVisor' in its kernel messages (kernel {r.kernel})")
        elif r.handler == "crun" and not r.binary.endswith("/crun"):
            problems.append(f"{r.pod}: containerd ran it with BinaryName={r.binary or 'runc (default)'}, not crun")
        elif r.handler == "runc" and r.binary and not r.binary.endswith("/runc"):
            problems.append(f"{r.pod}: containerd ran it with BinaryName={r.binary}, not runc")
    return problems


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(lines)


def status_table(lab: Lab, nodes: dict[str, dict[str, Any]]) -> str:
    api_nodes = {n["metadata"]["name"]: n for n in lab.kubectl_json("get", "nodes")["items"]}
    rows = []
    for name in nodes:
        n = api_nodes.get(name)
        labels = (n or {}).get("metadata", {}).get("labels", {})
        ours = sorted(f"{k}={v}" for k, v in labels.items() if "runtime" in k or k.startswith("katacontainers.io"))
        taints = sorted(
            f"{t['key']}={t.get('value', '')}:{t['effect']}" for t in (n or {}).get("spec", {}).get("taints", [])
        )
        handlers = sorted({k.rsplit("/", 1)[-1] for k in labels if k.startswith("handler.")})
        ready = (
            "Ready"
            if n and any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
            else "NotReady"
        )
        # what the kubelet learnt from CRI's Version call (e.g. containerd://1.7.24~ds1)
        runtime = (n or {}).get("status", {}).get("nodeInfo", {}).get("containerRuntimeVersion", "") or "-"
        rows.append([name, ready, runtime, ",".join(handlers) or "-", " ".join(ours) or "-", " ".join(taints) or "-"])
    out = _table(["NODE", "STATUS", "RUNTIME", "HANDLERS", "LABELS", "TAINTS"], rows)
    rcs = runtime_classes(lab)
    rc_rows = []
    for rc in rcs:
        sched = rc.get("scheduling") or {}
        overhead = (rc.get("overhead") or {}).get("podFixed") or {}
        rc_rows.append(
            [
                rc["metadata"]["name"],
                rc["handler"],
                ",".join(f"{k}={v}" for k, v in sorted((sched.get("nodeSelector") or {}).items())) or "-",
                ",".join(f"{t.get('key')}:{t.get('effect', '')}" for t in sched.get("tolerations") or []) or "-",
                ",".join(f"{k}={v}" for k, v in sorted(overhead.items())) or "-",
            ]
        )
    return out + "\n\n" + _table(["RUNTIMECLASS", "HANDLER", "NODESELECTOR", "TOLERATIONS", "OVERHEAD"], rc_rows) + "\n"


def pods_table(results: list[PodResult]) -> str:
    rows = [
        [
            r.pod,
            r.runtime_class,
            r.node or "-",
            r.phase or "-",
            ",".join(f"{k}={v}" for k, v in r.overhead.items()) or "-",
            r.proof,
        ]
        for r in results
    ]
    return _table(["POD", "CLASS", "NODE", "PHASE", "OVERHEAD", "PROOF"], rows)
