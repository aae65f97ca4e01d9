#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: runtimeclass_info
short_description: List Kubernetes RuntimeClasses
version_added: 0.1.0
description:
  - Reads C(RuntimeClass) objects (C(node.k8s.io/v1), or C(v1beta1) on clusters older than 1.20) - one by
    O(name), or all of them, optionally only those matching O(label_selector).
  - Needs RBAC verbs C(get) and C(list) on C(runtimeclasses.node.k8s.io).
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
      - The module only reads.
  diff_mode:
    support: none
  platform:
    platforms: all
options:
  name:
    description:
      - Read only this class; the result is empty when it does not exist.
    type: str
  label_selector:
    description:
      - A label selector, such as V(app.kubernetes.io/managed-by=cri.runtimes).
    type: str
  api_version:
    description:
      - The API version to talk; V(auto) picks the newest the server serves.
    type: str
    choices: [auto, node.k8s.io/v1, node.k8s.io/v1beta1]
    default: auto
seealso:
  - module: cri.runtimes.runtimeclass
"""

EXAMPLES = r"""
- name: The classes this collection manages
  cri.runtimes.runtimeclass_info:
    label_selector: app.kubernetes.io/managed-by=cri.runtimes
  register: managed
"""

RETURN = r"""
classes:
  description: The classes found, sorted by name, as the API server returned them.
  returned: always
  type: list
  elements: dict
  sample:
    - apiVersion: node.k8s.io/v1
      kind: RuntimeClass
      metadata: {name: gvisor, labels: {app.kubernetes.io/managed-by: cri.runtimes}}
      handler: runsc
api_version:
  description: The API version the module talked.
  returned: always
  type: str
  sample: node.k8s.io/v1
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils import _kube, _runtimeclass
from ansible_collections.cri.runtimes.plugins.module_utils._kube_validate import SpecError


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name={"type": "str"},
            label_selector={"type": "str"},
            api_version={
                "type": "str",
                "choices": ["auto", "node.k8s.io/v1", "node.k8s.io/v1beta1"],
                "default": "auto",
            },
            **_kube.AUTH_ARG_SPEC,
        ),
        mutually_exclusive=[("name", "label_selector")],
        supports_check_mode=True,
    )
    if not _kube.HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=_kube.KUBERNETES_IMPORT_ERROR)
    try:
        kube = _kube.connect(module.params)
        result = _runtimeclass.list_classes(kube, module.params)
    except (SpecError, _kube.KubeError) as exc:
        module.fail_json(msg=str(exc), status=getattr(exc, "status", None))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
