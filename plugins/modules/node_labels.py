#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: node_labels
short_description: Label a Kubernetes Node with the runtime handlers it verified
version_added: 0.1.0
description:
  - Sets the label C(<label_prefix>/<handler>=true) on one C(Node) object for each handler in O(handlers),
    and removes the labels for handlers no longer listed.
  - Only labels this module set are removed. It lists them in the annotation C(cri-runtimes.io/owned-labels)
    on the Node; a label someone else set stays, even under O(label_prefix), and so does a label that
    already had the wanted value when the module first came (it is not claimed).
  - With O(kata_deploy_label=true), a node that has a Kata handler (C(kata) or C(kata-*)) also gets
    kata-deploy's label C(katacontainers.io/kata-runtime=true), so workloads and RuntimeClasses written for
    kata-deploy keep scheduling.
  - The update is a JSON merge patch carrying the C(resourceVersion) just read; if another writer (such as the
    kubelet) changed the Node in between, the module reads it again and retries.
  - Needs RBAC verbs C(get) and C(patch) on C(nodes).
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
      - Check mode sends the patch with C(dryRun=All); nothing is stored.
  diff_mode:
    support: full
  platform:
    platforms: all
options:
  name:
    description:
      - The name of the Node object (what the kubelet registered, often the host name).
    type: str
    required: true
  handlers:
    description:
      - The CRI runtime handlers this node runs, such as V(runc), V(crun), V(runsc), V(kata-qemu).
    type: list
    elements: str
    default: []
  remove_handlers:
    description:
      - Remove only the labels of these handlers (those the module owns) and leave every other label as it is;
        O(handlers) and O(state) are then not used. The removal of a handler from a node takes its label away
        first, so that no new pod lands there while the handler goes.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  state:
    description:
      - V(present) makes the owned labels match O(handlers); V(absent) removes every label the module owns.
    type: str
    choices: [present, absent]
    default: present
  label_prefix:
    description:
      - The label key prefix (a DNS subdomain) for the handler labels.
      - When it changes, labels the module owns under the old prefix are removed.
    type: str
    default: handler.cri-runtimes.io
  kata_deploy_label:
    description:
      - Also set C(katacontainers.io/kata-runtime=true) on nodes with a Kata handler, as kata-deploy does.
    type: bool
    default: false
seealso:
  - module: cri.runtimes.runtimeclass
"""

EXAMPLES = r"""
- name: Label a node for the handlers containerd verified on it
  cri.runtimes.node_labels:
    kubeconfig: /etc/kubernetes/admin.conf
    name: worker-1
    handlers: [runc, crun, runsc, kata-qemu]
    kata_deploy_label: true
  delegate_to: localhost

- name: Remove every label the collection set on a node
  cri.runtimes.node_labels:
    name: worker-1
    state: absent
"""

RETURN = r"""
labels:
  description: All labels of the Node after the change (as the dry run would leave them, in check mode).
  returned: always
  type: dict
  sample: {"kubernetes.io/hostname": "worker-1", "handler.cri-runtimes.io/runsc": "true"}
added:
  description: Label keys set (or changed) by this run.
  returned: always
  type: list
  elements: str
  sample: [handler.cri-runtimes.io/runsc]
removed:
  description: Owned label keys removed by this run.
  returned: always
  type: list
  elements: str
  sample: [handler.cri-runtimes.io/kata-fc]
owned:
  description: The label keys the module owns on the Node after this run.
  returned: always
  type: list
  elements: str
  sample: [handler.cri-runtimes.io/runc, handler.cri-runtimes.io/runsc]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils import _kube, _node_labels
from ansible_collections.cri.runtimes.plugins.module_utils._kube_validate import SpecError


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name={"type": "str", "required": True},
            handlers={"type": "list", "elements": "str", "default": []},
            state={"type": "str", "choices": ["present", "absent"], "default": "present"},
            remove_handlers={"type": "list", "elements": "str", "default": []},
            label_prefix={"type": "str", "default": _node_labels.DEFAULT_PREFIX},
            kata_deploy_label={"type": "bool", "default": False},
            **_kube.AUTH_ARG_SPEC,
        ),
        supports_check_mode=True,
    )
    if not _kube.HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=_kube.KUBERNETES_IMPORT_ERROR)
    params = module.params
    try:
        _node_labels.desired_labels(params["handlers"], params["label_prefix"], params["kata_deploy_label"])
        kube = _kube.connect(params)
        result = _node_labels.run_with_retry(kube, params, module.check_mode)
    except (SpecError, _kube.KubeError) as exc:
        module.fail_json(msg=str(exc), status=getattr(exc, "status", None))
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
