# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator's summary of a site.yml run: what the cri.runtimes.summary callback records.

Pure and Ansible-free: the callback feeds it task results (``Recorder.task_result``) and
asks for the table (``render``) and the JSON document (``document``). Everything comes from
results the run produces anyway, so the summary costs no task on any node.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
# Actions whose "state: restarted" restarts a service (FQCN and short names)
_SERVICE_ACTIONS = {
    "systemd",
    "systemd_service",
    "service",
    "ansible.builtin.systemd",
    "ansible.builtin.systemd_service",
    "ansible.builtin.service",
}
_LABELS_ACTIONS = {"cri.runtimes.node_labels", "node_labels"}
_CLASS_ACTIONS = {"cri.runtimes.runtimeclass", "runtimeclass"}
# Which restart counts as whose: the role that ran it, else the unit's name
_SERVICES = ("containerd", "kubelet")


@dataclass
class NodeRecord:
    status: str = "ok"
    verified: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    restarted: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(_SERVICES, False))
    labels: list[str] = field(default_factory=list)
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)


@dataclass
class ClassRecord:
    handler: str = ""
    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: list[dict[str, Any]] = field(default_factory=list)
    overhead: dict[str, str] = field(default_factory=dict)
    changed: bool = False
    deleted: bool = False


def _service_of(role: str, unit: str) -> str | None:
    short = role.rsplit(".", 1)[-1]
    if short in _SERVICES:
        return short
    unit = unit.rsplit("/", 1)[-1]
    for service in _SERVICES:
        if unit in (service, f"{service}.service"):
            return service
    return None


@dataclass
class Recorder:
    """Collects what the run did, node by node and class by class."""

    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    classes: dict[str, ClassRecord] = field(default_factory=dict)
    seen_collection: bool = False
    check_mode: bool = False

    def node(self, host: str) -> NodeRecord:
        return self.nodes.setdefault(host, NodeRecord())

    def task_result(
        self,
        host: str,
        action: str,
        role: str,
        task: str,
        result: dict[str, Any],
        *,
        args: dict[str, Any] | None = None,
    ) -> None:
        """One task's result (after its loop, if any) on one host.

        ``args`` are the task's templated arguments: ansible-core drops ``invocation`` from
        results below -vvv, so the module's own echo of them is not there to read.
        """
        facts = result.get("ansible_facts") or {}
        if "cri_runtimes_verified_handlers" in facts:
            self.seen_collection = True
            self.node(host).verified = sorted(facts["cri_runtimes_verified_handlers"] or [])
        if "cri_runtimes_pending_handlers" in facts:
            self.node(host).pending = sorted(facts["cri_runtimes_pending_handlers"] or [])
        if action in _LABELS_ACTIONS:
            self.seen_collection = True
            for item in _items(result):
                self._labels(item)
            return
        if action in _CLASS_ACTIONS:
            self.seen_collection = True
            for item in _items(result):
                self._runtimeclass(item)
            return
        if not result.get("changed"):
            return
        args = (result.get("invocation") or {}).get("module_args") or args or {}
        if action in _SERVICE_ACTIONS and args.get("state") == "restarted":
            service = _service_of(role, str(args.get("name") or ""))
            if service:
                self.node(host).restarted[service] = True
                return
        if role.startswith("cri.runtimes.") or role in {"containerd", "crun", "gvisor", "kata", "kubelet"}:
            name = f"{role.rsplit('.', 1)[-1]}: {task}"
            node = self.node(host)
            if name not in node.changed:
                node.changed.append(name)

    def _labels(self, item: dict[str, Any]) -> None:
        loop_item = item.get("item")
        name = loop_item.get("key") if isinstance(loop_item, dict) else None
        name = name or (item.get("invocation") or {}).get("module_args", {}).get("name")
        if not name or "owned" not in item:
            return
        node = self.node(str(name))
        labels = item.get("labels") or {}
        node.labels = sorted(f"{k}={labels.get(k, '')}" for k in item.get("owned") or [])
        node.labels_added = sorted(item.get("added") or [])
        node.labels_removed = sorted(item.get("removed") or [])

    def _runtimeclass(self, item: dict[str, Any]) -> None:
        args = (item.get("invocation") or {}).get("module_args") or {}
        obj = item.get("result") or {}
        loop_item = item.get("item")
        # the role loops over {key: name, value: class} to apply and over names to delete
        name = args.get("name") or (obj.get("metadata") or {}).get("name")
        if not name and isinstance(loop_item, dict):
            name = loop_item.get("key")
        deleted = args.get("state") == "absent" or (isinstance(loop_item, str) and not obj)
        if not name and isinstance(loop_item, str):
            name = loop_item
        if not name:
            return
        record = ClassRecord(changed=bool(item.get("changed")))
        if deleted:
            record.deleted = True
            if record.changed or name not in self.classes:
                self.classes[name] = record
            return
        sched = obj.get("scheduling") or {}
        record.handler = str(obj.get("handler") or args.get("handler") or "")
        record.node_selector = dict(sched.get("nodeSelector") or {})
        record.tolerations = list(sched.get("tolerations") or [])
        record.overhead = dict((obj.get("overhead") or {}).get("podFixed") or {})
        self.classes[name] = record

    def host_status(self, host: str, status: str) -> None:
        if host in self.nodes or status != "ok":
            self.node(host).status = status

    # ---- output -----------------------------------------------------------------
    def offering(self, handler: str) -> list[str]:
        return sorted(n for n, r in self.nodes.items() if handler in r.verified)

    def document(self) -> dict[str, Any]:
        nodes = {
            name: {
                "status": r.status,
                "handlers_verified": r.verified,
                "handlers_pending": r.pending,
                "labels": r.labels,
                "labels_added": r.labels_added,
                "labels_removed": r.labels_removed,
                "changed": r.changed,
                "containerd_restarted": r.restarted["containerd"],
                "kubelet_restarted": r.restarted["kubelet"],
            }
            for name, r in sorted(self.nodes.items())
            if r.verified or r.changed or r.labels or r.status != "ok" or any(r.restarted.values()) or r.pending
        }
        classes = {
            name: {
                "handler": c.handler,
                "node_selector": c.node_selector,
                "tolerations": c.tolerations,
                "overhead": c.overhead,
                "changed": c.changed,
                "deleted": c.deleted,
                "nodes_offering": len(self.offering(c.handler)) if not c.deleted else 0,
                "nodes": self.offering(c.handler) if not c.deleted else [],
            }
            for name, c in sorted(self.classes.items())
        }
        return {"version": SCHEMA_VERSION, "check_mode": self.check_mode, "nodes": nodes, "runtimeclasses": classes}

    def render(self) -> str:
        doc = self.document()
        verb = "would restart" if self.check_mode else "restarted"
        rows = []
        for name, n in doc["nodes"].items():
            handlers = ",".join(n["handlers_verified"]) or "-"
            if n["handlers_pending"]:
                handlers += f" (pending: {','.join(n['handlers_pending'])})"
            labels = ",".join(n["labels"]) or "-"
            if n["labels_added"] or n["labels_removed"]:
                labels += (
                    " (" + " ".join([f"+{k}" for k in n["labels_added"]] + [f"-{k}" for k in n["labels_removed"]]) + ")"
                )
            rows.append(
                [
                    name,
                    n["status"],
                    handlers,
                    labels,
                    _changed_summary(n["changed"]),
                    "yes" if n["containerd_restarted"] else "no",
                    "yes" if n["kubelet_restarted"] else "no",
                ]
            )
        head = [
            "NODE",
            "STATUS",
            "HANDLERS VERIFIED",
            "LABELS",
            "CHANGED",
            f"CONTAINERD {verb.upper()}",
            f"KUBELET {verb.upper()}",
        ]
        out = [_table(head, rows)]
        rc_rows = []
        for name, c in doc["runtimeclasses"].items():
            scheduling = ",".join(f"{k}={v}" for k, v in sorted(c["node_selector"].items()))
            tolerations = ",".join(
                f"{t.get('key', '*')}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect', '*')}"
                for t in c["tolerations"]
            )
            if tolerations:
                scheduling = f"{scheduling or '-'} tolerates {tolerations}"
            rc_rows.append(
                [
                    name,
                    "deleted" if c["deleted"] else ("changed" if c["changed"] else "ok"),
                    c["handler"] or "-",
                    scheduling or "-",
                    ",".join(f"{k}={v}" for k, v in sorted(c["overhead"].items())) or "-",
                    str(c["nodes_offering"]),
                ]
            )
        out.append(_table(["RUNTIMECLASS", "STATUS", "HANDLER", "SCHEDULING", "OVERHEAD", "NODES"], rc_rows))
        return "\n\n".join(out) + "\n"


def _items(result: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(result.get("results"), list):
        return [r for r in result["results"] if isinstance(r, dict) and not r.get("skipped")]
    return [] if result.get("skipped") else [result]


def _changed_summary(changed: list[str]) -> str:
    """'containerd(2),crun(1)': how many tasks changed, per role."""
    counts: dict[str, int] = {}
    for name in changed:
        role = name.split(":", 1)[0]
        counts[role] = counts.get(role, 0) + 1
    return ",".join(f"{role}({n})" for role, n in counts.items()) or "nothing"


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(row[i]).ljust(widths[i]) for i in range(len(head))).rstrip() for row in [head, *rows]]
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


def write_json(path: str, doc: dict[str, Any]) -> None:
    """Write atomically (a reader never sees half a document), mode 0644."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cri-runtimes-summary.", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
