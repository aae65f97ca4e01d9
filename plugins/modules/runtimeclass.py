#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: runtimeclass
short_description: Create, update or delete a Kubernetes RuntimeClass
version_added: 0.1.0
description:
  - Manages one C(RuntimeClass) object (C(node.k8s.io)) - the CRI handler that runs its pods, the fixed
    per-pod O(overhead) the scheduler and the kubelet add to the pod's requests, and the O(scheduling)
    constraints (node selector, tolerations) that the API server's RuntimeClass admission merges into
    every pod that names the class.
  - Everything is checked locally before any API call, as the API server would check it (DNS names,
    quantities, label keys and values, tolerations); errors name the field.
  - The class is compared with what the API server holds after normalising both (quantities by value,
    so V(250m) and V(0.25) are the same; tolerations with the API's defaults). The handler, overhead
    and scheduling are set to exactly what is given; O(labels) and O(annotations) only touch the keys
    given.
  - Talks C(node.k8s.io/v1) when the server offers it (Kubernetes 1.20 and later) and C(node.k8s.io/v1beta1)
    otherwise (1.14 to 1.19). Both versions keep C(handler), C(overhead) and C(scheduling) at the top level
    of the object.
  - Needs RBAC verbs C(get), C(create), C(update) and C(delete) on C(runtimeclasses.node.k8s.io), and C(list)
    on C(nodes) for O(require_matching_node).
author:
  - cri.runtimes developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - cri.runtimes.node_python
  - cri.runtimes.kube_auth
attributes:
  check_mode:
    support: full
    details:
      - Check mode sends the write with C(dryRun=All), so the API server's own validation and admission run
        and the returned object is the one it would store; nothing is stored.
  diff_mode:
    support: full
  platform:
    platforms: all
options:
  name:
    description:
      - The name of the class, a DNS subdomain; pods name it in C(spec.runtimeClassName).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the class, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  handler:
    description:
      - The CRI runtime handler, a DNS label; it must match a runtime name in containerd's CRI configuration
        on the nodes (for example V(runc), V(crun), V(runsc), V(kata-qemu)).
      - The API does not allow changing the handler of an existing class; see O(recreate).
      - Required when O(state=present).
    type: str
  overhead:
    description:
      - The resources a pod of this class uses beyond its containers (the sandbox, a VM).
    type: dict
    suboptions:
      pod_fixed:
        description:
          - Resource name to quantity, such as V(cpu=250m) and V(memory=160Mi); extended resources need a
            domain prefix (C(example.com/foo)).
        type: dict
        aliases: [podFixed]
  scheduling:
    description:
      - Constraints that admission merges into each pod of this class.
    type: dict
    suboptions:
      node_selector:
        description:
          - Labels a node must carry to run pods of this class.
        type: dict
        aliases: [nodeSelector]
      tolerations:
        description:
          - Tolerations added to pods of this class, in the API's form.
        type: list
        elements: dict
        suboptions:
          key:
            description: The taint key; empty matches all keys (with O(scheduling.tolerations[].operator=Exists)).
            type: str
          operator:
            description: V(Equal) (the API's default) or V(Exists).
            type: str
            choices: [Equal, Exists]
          value:
            description: The taint value, for V(Equal).
            type: str
          effect:
            description: The taint effect to tolerate; empty tolerates all effects.
            type: str
            choices: [NoSchedule, PreferNoSchedule, NoExecute]
          toleration_seconds:
            description: How long a pod stays bound after a V(NoExecute) taint appears.
            type: int
            aliases: [tolerationSeconds]
  labels:
    description:
      - Labels to set on the class; a V(null) value removes the label. Other labels stay.
    type: dict
  annotations:
    description:
      - Annotations to set on the class; a V(null) value removes the annotation. Other annotations stay.
    type: dict
  api_version:
    description:
      - The API version to talk. V(auto) picks C(node.k8s.io/v1) when the server serves it, else
        C(node.k8s.io/v1beta1).
    type: str
    choices: [auto, node.k8s.io/v1, node.k8s.io/v1beta1]
    default: auto
  recreate:
    description:
      - When the existing class has another handler, delete it and create it again with the new handler.
        Without it, a handler change fails. Running pods keep their sandbox; new pods get the new handler.
    type: bool
    default: false
  require_matching_node:
    description:
      - Refuse (fail) to create or update a class whose node selector matches no Node, since its pods could
        never be scheduled.
      - In check mode a missing match is a warning, since labels that earlier check-mode tasks would set
        are not there to be seen.
    type: bool
    default: false
  resource_version:
    description:
      - Update only if the object still has this C(metadata.resourceVersion); a newer one fails with a
        conflict. Without it, the version just read is used, and a concurrent change is retried.
    type: str
seealso:
  - module: cri.runtimes.node_labels
  - name: RuntimeClass
    description: Kubernetes documentation of RuntimeClass, overhead and scheduling.
    link: https://kubernetes.io/docs/concepts/containers/runtime-class/
"""

EXAMPLES = r"""
- name: A gVisor class for nodes labelled by cri.runtimes.node_labels
  cri.runtimes.runtimeclass:
    name: gvisor
    handler: runsc
    scheduling:
      node_selector:
        handler.cri-runtimes.io/runsc: "true"
    labels:
      app.kubernetes.io/managed-by: cri.runtimes

- name: Kata with QEMU, with the VM's overhead, only where a node can run it
  cri.runtimes.runtimeclass:
    kubeconfig: /etc/kubernetes/admin.conf
    name: kata-qemu
    handler: kata-qemu
    overhead:
      pod_fixed:
        cpu: 250m
        memory: 160Mi
    scheduling:
      node_selector:
        katacontainers.io/kata-runtime: "true"
      tolerations:
        - key: sandbox
          operator: Exists
          effect: NoSchedule
    require_matching_node: true

- name: Remove a class
  cri.runtimes.runtimeclass:
    name: kata-fc
    state: absent
"""

RETURN = r"""
result:
  description:
    - The class as the API server returned it (after a dry run in check mode); empty after a deletion.
  returned: always
  type: dict
  sample:
    apiVersion: node.k8s.io/v1
    kind: RuntimeClass
    metadata: {name: gvisor, resourceVersion: "412"}
    handler: runsc
    scheduling: {nodeSelector: {handler.cri-runtimes.io/runsc: "true"}}
api_version:
  description: The API version the module talked.
  returned: always
  type: str
  sample: node.k8s.io/v1
recreated:
  description: Whether the class was (or, in check mode, would be) deleted and created again for a new handler.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils import _kube, _runtimeclass
from ansible_collections.cri.runtimes.plugins.module_utils._kube_validate import SpecError


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name={"type": "str", "required": True},
            state={"type": "str", "choices": ["present", "absent"], "default": "present"},
            handler={"type": "str"},
            overhead={"type": "dict", "options": {"pod_fixed": {"type": "dict", "aliases": ["podFixed"]}}},
            scheduling={
                "type": "dict",
                "options": {
                    "node_selector": {"type": "dict", "aliases": ["nodeSelector"]},
                    "tolerations": {
                        "type": "list",
                        "elements": "dict",
                        "options": {
                            "key": {"type": "str", "no_log": False},
                            "operator": {"type": "str", "choices": ["Equal", "Exists"]},
                            "value": {"type": "str"},
                            "effect": {"type": "str", "choices": ["NoSchedule", "PreferNoSchedule", "NoExecute"]},
                            "toleration_seconds": {"type": "int", "aliases": ["tolerationSeconds"]},
                        },
                    },
                },
            },
            labels={"type": "dict"},
            annotations={"type": "dict"},
            api_version={
                "type": "str",
                "choices": ["auto", "node.k8s.io/v1", "node.k8s.io/v1beta1"],
                "default": "auto",
            },
            recreate={"type": "bool", "default": False},
            require_matching_node={"type": "bool", "default": False},
            resource_version={"type": "str"},
            **_kube.AUTH_ARG_SPEC,
        ),
        required_if=[("state", "present", ["handler"])],
        supports_check_mode=True,
    )
    if not _kube.HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=_kube.KUBERNETES_IMPORT_ERROR)
    try:
        _runtimeclass.build_spec(module.params) if module.params["state"] == "present" else None
        kube = _kube.connect(module.params)
        result = _runtimeclass.run_with_retry(kube, module.params, module.check_mode)
    except (SpecError, _kube.KubeError) as exc:
        module.fail_json(msg=str(exc), status=getattr(exc, "status", None))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
