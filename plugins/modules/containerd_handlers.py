#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: containerd_handlers
short_description: Record the runtime handlers cri.runtimes installed on a node, and find those to remove
version_added: 0.1.0
description:
  - Keeps the node's record of the CRI runtime handlers this collection installed, a JSON file (O(path)) with
    the config file holding each handler's table, the role that asked for it and what that role installed for it.
    Only handlers in this record are ever removed; other tools' handlers (nvidia-ctk, kata-deploy, hand-written
    tables) are never touched.
  - O(handlers) are recorded (the containerd role's entry point C(tasks_from=handler) passes the handlers a
    runtime role merges).
  - With O(prune=true), O(handlers) are all the handlers this play asked for, and every recorded handler not among
    them is returned in RV(remove). Before anything is written the module asks containerd's CRI service
    (C(RuntimeService/ListPodSandbox) on O(cri_socket)) which pod sandboxes run with those handlers; if a ready
    sandbox does, the module fails naming the pods (namespace/name) and changes nothing.
  - O(forget) drops handlers from the record once their tables are gone.
  - The removal itself (node label, the handler's table, one validated restart of containerd, the RuntimeClass)
    is done by the containerd role's C(tasks_from=prune) and the runtimeclass role; see docs/removal.md.
author:
  - cri.runtimes developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - cri.runtimes.node_python
attributes:
  check_mode:
    support: full
    details:
      - Nothing is written. A removal that pods block is reported as a warning and in RV(in_use), not as a failure,
        so that the rest of the check run goes on.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  path:
    description: The record file.
    type: path
    default: /var/lib/cri-runtimes/handlers.json
  handlers:
    description: Handlers to record as installed by this collection.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The CRI handler name (a DNS-1123 label).
        type: str
        required: true
      config:
        description: The absolute path of the containerd config file (or drop-in) holding the handler's table.
        type: path
        required: true
      owner:
        description: Who asked for it (for example V(crun role)).
        type: str
        default: ""
      packages:
        description: Packages installed for this handler (removed only on request, when no other handler needs them).
        type: list
        elements: str
        default: []
      files:
        description: Files installed for this handler (same rule as O(handlers[].packages)).
        type: list
        elements: path
        default: []
  prune:
    description: O(handlers) is the complete list this play asked for; report the recorded handlers not in it.
    type: bool
    default: false
  forget:
    description: Handler names to drop from the record (their tables were removed).
    type: list
    elements: str
    default: []
  check_in_use:
    description:
      - Handler names a role is about to remove itself (for example the kata role's O(handlers[].name) of
        hypervisors no longer wanted), recorded or not. The call fails (check mode - warns) naming the pods
        while a pod sandbox on the node runs with one of them, before anything is changed.
    type: list
    elements: str
    default: []
  cri_socket:
    description: containerd's socket, where its CRI service answers (asked only when something is to be removed).
    type: path
    default: /run/containerd/containerd.sock
  node:
    description: The node's name, for messages.
    type: str
requirements:
  - Python 3.9 or later on the node (standard library only; the CRI call is made without grpcio or crictl).
"""

EXAMPLES = r"""
- name: Record the crun handler as ours
  cri.runtimes.containerd_handlers:
    handlers:
      - {name: crun, config: /etc/containerd/config.toml, owner: crun role, packages: [crun]}

- name: Which recorded handlers does this node no longer ask for, and are they in use?
  cri.runtimes.containerd_handlers:
    handlers: "{{ cri_runtimes_requested_handlers }}"
    prune: true
    node: "{{ inventory_hostname }}"
  register: prune
"""

RETURN = r"""
record:
  description: The record after this call, handler name -> C(config), C(owner), C(packages), C(files).
  returned: always
  type: dict
  sample: {crun: {config: /etc/containerd/config.toml, owner: crun role, packages: [crun], files: []}}
remove:
  description: The recorded handlers not asked for (O(prune=true)), each with C(name), C(config), C(owner), C(packages), C(files).
  returned: always
  type: list
  elements: dict
in_use:
  description: Handler -> the pods (namespace/name) whose ready sandboxes on this node run with it.
  returned: always
  type: dict
  sample: {crun: [default/web]}
blocked:
  description: Whether pods block the removal (then nothing was written).
  returned: always
  type: bool
binaries:
  description: C(packages) and C(files) of the handlers in RV(remove) that no handler staying needs.
  returned: always
  type: dict
  sample: {packages: [crun], files: []}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cri.runtimes.plugins.module_utils._cri_client import list_pod_sandboxes
from ansible_collections.cri.runtimes.plugins.module_utils._handler_record import DEFAULT_PATH, RecordError, run


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": DEFAULT_PATH},
            "handlers": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "name": {"type": "str", "required": True},
                    "config": {"type": "path", "required": True},
                    "owner": {"type": "str", "default": ""},
                    "packages": {"type": "list", "elements": "str", "default": []},
                    "files": {"type": "list", "elements": "path", "default": []},
                },
            },
            "prune": {"type": "bool", "default": False},
            "forget": {"type": "list", "elements": "str", "default": []},
            "check_in_use": {"type": "list", "elements": "str", "default": []},
            "cri_socket": {"type": "path", "default": "/run/containerd/containerd.sock"},
            "node": {"type": "str"},
        },
        supports_check_mode=True,
    )
    try:
        result = run(module, list_pod_sandboxes)
    except RecordError as exc:
        module.fail_json(msg=str(exc))
    if result["blocked"]:
        if not module.check_mode:
            module.fail_json(**result)
        module.warn("Check mode: " + result["msg"])
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
