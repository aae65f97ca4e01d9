#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cri_sandbox_check
short_description: Run a pod sandbox per CRI runtime handler through containerd's CRI socket, then remove it
version_added: 0.3.0
description:
  - Proves, as a kubelet would, that the container runtime can start pods under each runtime handler in
    O(handlers) - it calls CRI C(RunPodSandbox) (C(runtime.v1)) with that C(runtime_handler), then
    C(StopPodSandbox) and C(RemovePodSandbox).
  - The sandbox uses the host's network (no CNI plugin is needed) and runs the runtime's sandbox (pause) image. It
    is named C(probe-<handler>) in the namespace O(namespace) and labelled C(app.kubernetes.io/managed-by=cri.runtimes).
  - Nothing is left behind - each sandbox is stopped and removed whatever happened, also after a failed step, and a
    sandbox whose C(RunPodSandbox) answer never came is found by its uid and removed. What could not be removed is
    reported in RV(cleanup_errors).
  - A handler that fails does not fail the task; RV(failed_handlers) and RV(errors) name it with the runtime's own error
    message (the gRPC status and message of the call). The task fails only when the socket cannot be used at all.
  - Speaks HTTP/2 and gRPC with the Python standard library; needs neither C(crictl) nor C(grpcio) on the node.
author:
  - cri.runtimes developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: In check mode nothing is run; the result says so and lists no handler as ok or failed.
  diff_mode:
    support: N/A
  platform:
    platforms: posix
options:
  socket:
    description: The CRI socket (containerd's gRPC socket).
    type: path
    default: /run/containerd/containerd.sock
  handlers:
    description:
      - The runtime handlers to run, by name, as a RuntimeClass's C(handler) names them.
      - The empty string V("") runs the runtime's default handler (containerd's C(default_runtime_name)), as a pod
        without a RuntimeClass does. V(runc) runs the handler named C(runc), which is usually but not always the
        default.
    type: list
    elements: str
    required: true
  timeout:
    description:
      - Seconds to wait for each CRI call. C(RunPodSandbox) may pull the sandbox image first.
    type: float
    default: 60
  namespace:
    description: The pod namespace of the sandboxes (it says who made them).
    type: str
    default: cri-runtimes-verify
  warn:
    description:
      - Also report each handler that could not run a sandbox as a warning (with the runtime's error and any hint).
    type: bool
    default: false
  cgroup_parent:
    description:
      - The pod's cgroup parent as a kubelet passes it. Empty leaves the choice to the runtime (runc puts a pod
        without one under C(system.slice) with the systemd cgroup driver). With the systemd driver a kubelet
        passes a slice, e.g. V(kubepods-besteffort.slice).
    type: str
    default: ""
notes:
  - containerd needs its sandbox (pause) image for every sandbox. When the image is not in containerd's C(k8s.io)
    namespace and its registry cannot be reached, every handler fails with C(failed to get sandbox image); the
    handler's RV(results[].hint) says so.
seealso:
  - module: cri.runtimes.containerd_runtime_info
"""

EXAMPLES = r"""
---
- name: Read the handlers containerd knows
  cri.runtimes.containerd_runtime_info:
  register: runtimes

- name: Run a sandbox under each of them
  cri.runtimes.cri_sandbox_check:
    handlers: "{{ runtimes.handlers | map(attribute='name') | list }}"
  register: probe

- name: Every handler ran a sandbox
  ansible.builtin.assert:
    that: probe.failed_handlers | length == 0
    fail_msg: "{{ probe.msg }}"
"""

RETURN = r"""
---
ok_handlers:
  description: The handlers that ran a sandbox, in the order of O(handlers).
  returned: always
  type: list
  elements: str
  sample: [runc, crun, runsc]
failed_handlers:
  description: The handlers that did not, in the order of O(handlers).
  returned: always
  type: list
  elements: str
  sample: [kata-qemu]
errors:
  description: The runtime's error message per failed handler.
  returned: always
  type: dict
  sample:
    kata-qemu: >-
      failed to create containerd task: failed to create shim task: failed to start shim: start failed:
      runtime "io.containerd.kata.v2" binary not installed "containerd-shim-kata-v2": file does not exist: unknown
results:
  description: One entry per handler, in the order of O(handlers).
  returned: always
  type: list
  elements: dict
  contains:
    handler:
      description: The handler name (V("") is the default handler).
      type: str
      returned: always
    ok:
      description: Whether C(RunPodSandbox) returned a sandbox id.
      type: bool
      returned: always
    error:
      description: The error - for a gRPC status, the runtime's own message (C(grpc-message)).
      type: str
      returned: always
    grpc_status:
      description: The gRPC status name of a failed call (e.g. C(UNKNOWN), C(NOT_FOUND)); empty otherwise.
      type: str
      returned: always
    sandbox_id:
      description: The sandbox's id (empty when none was made).
      type: str
      returned: always
    removed:
      description: The ids of the sandboxes that were stopped and removed again.
      type: list
      elements: str
      returned: always
    cleanup_errors:
      description: What went wrong stopping or removing.
      type: list
      elements: str
      returned: always
    hint:
      description: What to do about a known cause (the missing sandbox image); empty otherwise.
      type: str
      returned: always
cleanup_errors:
  description: Per handler, what could not be stopped or removed (empty when nothing is left behind).
  returned: always
  type: list
  elements: str
msg:
  description: One line per run - each handler with C(ran a sandbox) or C(FAILED (status - message)).
  returned: always
  type: str
  sample: "runc: ran a sandbox; kata-qemu: FAILED (UNKNOWN: failed to create containerd task: ...)"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cri.runtimes.plugins.module_utils._cri_sandbox_check import Client, check_handlers


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "socket": {"type": "path", "default": "/run/containerd/containerd.sock"},
            "handlers": {"type": "list", "elements": "str", "required": True},
            "timeout": {"type": "float", "default": 60},
            "namespace": {"type": "str", "default": "cri-runtimes-verify"},
            "cgroup_parent": {"type": "str", "default": ""},
            "warn": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    if module.check_mode:
        module.exit_json(
            changed=False,
            skipped_check_mode=True,
            ok_handlers=[],
            failed_handlers=[],
            errors={},
            results=[],
            cleanup_errors=[],
            msg=f"check mode: would run a pod sandbox for each of {p['handlers']} through {p['socket']}",
        )
    result = check_handlers(Client(p["socket"], p["timeout"]), p["handlers"], p["namespace"], p["cgroup_parent"])
    unusable = [r for r in result["results"] if r["error"].startswith("cannot connect to the CRI socket")]
    if unusable and len(unusable) == len(result["results"]):
        result["msg"] = unusable[0]["error"]
        module.fail_json(**result)
    if p["warn"]:
        for item in result["results"]:
            if not item["ok"]:
                hint = f" ({item['hint']})" if item["hint"] else ""
                module.warn(f"handler {item['handler'] or '(default)'} cannot run a pod sandbox: {item['error']}{hint}")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
