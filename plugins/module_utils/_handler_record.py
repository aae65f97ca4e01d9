# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node's record of the runtime handlers this collection installed, and their safe removal.

The containerd role's entry point (``tasks_from: handler``) records each handler a runtime
role merges: which config file holds its table, which role asked for it, and what that role
installed for it (packages, files). The record is one JSON file on the node
(:data:`DEFAULT_PATH`), the node-side twin of the owned-labels annotation on the Node
(``_node_labels.OWNED_ANNOTATION``): only handlers listed there are ever removed, so the
tables of other tools (nvidia-ctk, kata-deploy, a hand-written one) are never touched.

Pruning compares the record with the handlers this play's runtime roles asked for: a
recorded handler nobody asked for is to be removed, unless a pod sandbox on the node runs
with it (CRI ListPodSandbox, :mod:`._cri_client`); then nothing is removed and the pods are
named. Binaries go only when asked, and only those no handler that stays also needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from . import _files
from ._cri_client import CRIError, Sandbox
from ._kube_validate import SpecError, check_dns_label

DEFAULT_PATH = "/var/lib/cri-runtimes/handlers.json"
RECORD_VERSION = 1


class RecordError(Exception):
    """The record cannot be read or the request is wrong; the message names the file or option."""


@dataclass(frozen=True)
class Entry:
    """One recorded handler."""

    name: str
    config: str
    owner: str = ""
    packages: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": self.config,
            "owner": self.owner,
            "packages": list(self.packages),
            "files": list(self.files),
        }


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RecordError(f"{where}: must be a list of non-empty strings, got {value!r}")
    return tuple(sorted(set(value)))


def entry_from(item: Any, where: str) -> Entry:
    if not isinstance(item, dict):
        raise RecordError(f"{where}: must be a dict with name and config, got {item!r}")
    name, config = item.get("name"), item.get("config")
    try:
        check_dns_label(name, f"{where}.name")
    except SpecError as exc:
        raise RecordError(str(exc)) from None
    if not isinstance(config, str) or not config.startswith("/"):
        raise RecordError(f"{where}.config: the absolute path of the file holding the handler's table, got {config!r}")
    owner = item.get("owner") or ""
    if not isinstance(owner, str):
        raise RecordError(f"{where}.owner: must be a string, got {owner!r}")
    return Entry(
        name=str(name),
        config=config,
        owner=owner,
        packages=_strings(item.get("packages"), f"{where}.packages"),
        files=_strings(item.get("files"), f"{where}.files"),
    )


def parse_record(text: str, path: str) -> dict[str, Entry]:
    """The record's handlers by name; an empty or missing file is an empty record."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RecordError(
            f"{path}: not valid JSON ({exc}); fix or delete it (it lists the handlers cri.runtimes installed)"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("handlers"), dict):
        raise RecordError(f"{path}: expected an object with a 'handlers' object, got {text[:80]!r}")
    if data.get("version") != RECORD_VERSION:
        raise RecordError(f"{path}: record version {data.get('version')!r} is not {RECORD_VERSION}")
    return {
        name: entry_from({**value, "name": name} if isinstance(value, dict) else value, f"{path}: handlers.{name}")
        for name, value in data["handlers"].items()
    }


def render_record(entries: dict[str, Entry]) -> str:
    handlers = {}
    for name in sorted(entries):
        body = entries[name].as_dict()
        del body["name"]
        handlers[name] = body
    return json.dumps({"version": RECORD_VERSION, "handlers": handlers}, indent=2, sort_keys=True) + "\n"


@dataclass
class Plan:
    """What one call does to the record and which handlers it would remove."""

    record: dict[str, Entry]
    remove: list[Entry] = field(default_factory=list)
    in_use: dict[str, list[str]] = field(default_factory=dict)
    binaries: dict[str, list[str]] = field(default_factory=lambda: {"packages": [], "files": []})

    @property
    def blocked(self) -> bool:
        return bool(self.in_use)


def plan(
    before: dict[str, Entry],
    requested: list[Entry],
    prune: bool,
    forget: list[str],
    sandboxes: Callable[[], list[Sandbox]] | None,
    *,
    check: tuple[str, ...] = (),
) -> Plan:
    """Record ``requested``; with ``prune``, find the recorded handlers not requested and who uses them.

    ``sandboxes`` is called only when something is to be removed (no CRI round otherwise).
    ``forget`` drops names from the record (after their tables were removed).
    ``check`` names handlers a role is about to remove itself (state absent): they are checked
    for use too, recorded or not, so that a removal a role asks for is refused like a pruned one.
    """
    record = dict(before)
    for entry in requested:
        record[entry.name] = entry
    for name in forget:
        record.pop(name, None)
    out = Plan(record=record)
    if prune:
        wanted = {e.name for e in requested}
        out.remove = [record[name] for name in sorted(record) if name not in wanted]
    names = {e.name for e in out.remove} | set(check)
    if not names:
        return out
    if sandboxes is None:
        raise RecordError("prune needs a way to list the node's pod sandboxes")
    for sandbox in sandboxes():
        if sandbox.ready and sandbox.runtime_handler in names:
            out.in_use.setdefault(sandbox.runtime_handler, []).append(sandbox.pod)
    out.in_use = {k: sorted(v) for k, v in sorted(out.in_use.items())}
    removed = {e.name for e in out.remove}
    kept = [e for e in record.values() if e.name not in removed]
    for kind in ("packages", "files"):
        still = {v for e in kept for v in getattr(e, kind)}
        out.binaries[kind] = sorted({v for e in out.remove for v in getattr(e, kind)} - still)
    return out


def refusal(node: str, the_plan: Plan) -> str:
    """The message of a refused removal: which handler, which pods, what to do."""
    parts = [f"{handler} by {', '.join(pods)}" for handler, pods in the_plan.in_use.items()]
    names = ", ".join(sorted({e.name for e in the_plan.remove} | set(the_plan.in_use)))
    return (
        f"Refusing to remove handler(s) {names} from {node}: pod sandboxes on this node run with them "
        f"(CRI ListPodSandbox): {'; '.join(parts)}. Nothing was changed. Delete or move those pods "
        "(or put the runtime back in cri_runtimes) and run again."
    )


def run(module: Any, list_sandboxes: Callable[[str], list[Sandbox]]) -> dict[str, Any]:
    """One module call: record the requested handlers, plan the removal, write the record."""
    params = module.params
    path = params["path"]
    requested = [entry_from(item, f"handlers[{i}]") for i, item in enumerate(params.get("handlers") or [])]
    names = [e.name for e in requested]
    if len(set(names)) != len(names):
        raise RecordError(f"handlers: a handler is listed twice: {sorted(n for n in set(names) if names.count(n) > 1)}")
    try:
        current = _files.read_current(path)
    except _files.FileError as exc:
        raise RecordError(str(exc)) from None
    before_text = _files.decode(current.data, path) if current.exists else ""
    before = parse_record(before_text, path)

    def sandboxes() -> list[Sandbox]:
        return list_sandboxes(params["cri_socket"])

    try:
        the_plan = plan(
            before,
            requested,
            bool(params.get("prune")),
            list(params.get("forget") or []),
            sandboxes,
            check=tuple(params.get("check_in_use") or ()),
        )
    except CRIError as exc:
        raise RecordError(f"cannot tell whether the handlers to remove are in use: {exc}") from None
    after_text = render_record(the_plan.record) if the_plan.record or current.exists else ""
    result: dict[str, Any] = {
        "changed": False,
        "path": path,
        "record": {name: e.as_dict() for name, e in sorted(the_plan.record.items())},
        "remove": [e.as_dict() for e in the_plan.remove],
        "in_use": the_plan.in_use,
        "binaries": the_plan.binaries,
        "blocked": the_plan.blocked,
    }
    if the_plan.blocked:
        result["msg"] = refusal(params.get("node") or "this node", the_plan)
        return result
    if after_text != before_text:
        try:
            _files.write_atomic(module, current, after_text.encode("utf-8"))
        except _files.FileError as exc:
            raise RecordError(str(exc)) from None
        result["changed"] = True
    result["diff"] = [
        {"before": before_text, "after": after_text, "before_header": path, "after_header": path},
        {
            "before": "".join(f"{e.name} (table in {e.config})\n" for e in the_plan.remove),
            "after": "",
            "before_header": "handlers to remove (not asked for by cri_runtimes)",
            "after_header": "handlers to remove (not asked for by cri_runtimes)",
        },
    ]
    return result
