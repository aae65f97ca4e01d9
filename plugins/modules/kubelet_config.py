#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kubelet_config
short_description: Merge fields into the kubelet's KubeletConfiguration file
version_added: 0.1.0
description:
  - Deep-merges O(settings) into the KubeletConfiguration YAML file the kubelet reads with C(--config)
    (kubeadm writes it to C(/var/lib/kubelet/config.yaml)), for example C(containerRuntimeEndpoint),
    C(runtimeRequestTimeout) and C(cgroupDriver), or any other field. O(remove) deletes fields.
  - Mappings merge key by key; other values replace. C(changed) comes from comparing the parsed data, not the text,
    and Go durations compare by length of time (V(15m) equals V(15m0s)), so a file kubeadm wrote is not rewritten
    for spelling.
  - A missing or empty file is created as a C(kubelet.config.k8s.io/v1beta1) C(KubeletConfiguration). A file of
    another C(kind) or C(apiVersion) is an error and is left untouched.
  - The file is written as YAML by PyYAML; comments in it are not kept (kubeadm writes none).
  - Does not restart the kubelet; RV(restart_needed) says whether the change requires it.
author:
  - cri.runtimes developers (@cri-runtimes)
requirements:
  - PyYAML on the managed node (Debian package C(python3-yaml)); the role P(cri.runtimes.kubelet#role) installs it.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - cri.runtimes.node_python
  - action_common_attributes.files
  - ansible.builtin.files
  - cri.runtimes.file_edit
options:
  path:
    description:
      - The KubeletConfiguration file. A symlink is followed to its target.
    type: path
    default: /var/lib/kubelet/config.yaml
  settings:
    description:
      - Fields to merge, as a dict in the file's own camelCase, for example C(containerRuntimeEndpoint),
        C(runtimeRequestTimeout), C(cgroupDriver) or C(evictionHard).
    type: dict
    default: {}
  remove:
    description:
      - Fields to remove, as dotted paths (V(authentication.anonymous.enabled)). A key that itself contains dots
        is matched whole (V(evictionHard.memory.available)).
    type: list
    elements: str
    default: []
notes:
  - Which CRI settings a kubelet version reads from this file (C(containerRuntimeEndpoint) only from 1.27) is decided
    by the role P(cri.runtimes.kubelet#role); the module writes whatever it is given.
seealso:
  - module: cri.runtimes.kubelet_dropin
"""

EXAMPLES = r"""
- name: Kubelet 1.27+ reads the CRI endpoint from its config file
  cri.runtimes.kubelet_config:
    settings:
      containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
      runtimeRequestTimeout: 15m
      cgroupDriver: systemd
  register: kubelet_conf

- name: Lab settings for a node without a registry
  cri.runtimes.kubelet_config:
    path: /var/lib/kubelet/config.yaml
    settings:
      evictionHard:
        memory.available: "0%"
        nodefs.available: "0%"
      imageGCHighThresholdPercent: 100
    remove:
      - evictionSoft
"""

RETURN = r"""
config:
  description: The configuration after the change (in check mode, what it would be).
  returned: always
  type: dict
  sample:
    apiVersion: kubelet.config.k8s.io/v1beta1
    kind: KubeletConfiguration
    containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
restart_needed:
  description: Whether the kubelet must be restarted for the change to take effect.
  returned: always
  type: bool
backup_file:
  description: The backup taken.
  returned: when O(backup=true) and the file changed
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils._files import FileError
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import KubeletError
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_config import HAS_YAML, YAML_ERROR, run


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/var/lib/kubelet/config.yaml"},
            "settings": {"type": "dict", "default": {}},
            "remove": {"type": "list", "elements": "str", "default": []},
            "backup": {"type": "bool", "default": False},
        },
        add_file_common_args=True,
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML (Debian package python3-yaml)"), exception=YAML_ERROR)
    try:
        result = run(module, module._diff)
    except (KubeletError, FileError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
