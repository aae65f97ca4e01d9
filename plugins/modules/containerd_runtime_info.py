#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: containerd_runtime_info
short_description: Report containerd's CRI runtime handlers and whether each can run
version_added: 0.1.0
description:
  - Reads containerd's B(effective) configuration (the output of C(containerd --config PATH config dump),
    which already merges every file in C(imports)) and lists its CRI runtime handlers.
  - A handler is B(verified) when everything containerd needs to start it is present on the node
    - its shim (from C(runtime_type) or C(runtime_path)), the OCI runtime binary the runc shim
    calls (C(options.BinaryName), else C(runc)) and the C(options.ConfigPath) file if one is set.
  - Knows config versions 1 and 2 (C(plugins."io.containerd.grpc.v1.cri")) and 3+
    (C(plugins."io.containerd.cri.v1.runtime")).
  - When no containerd binary is found, the file at O(path) is read as it is (its C(imports) are not
    followed).
author:
  - cri.runtimes developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - cri.runtimes.node_python
attributes:
  check_mode:
    support: full
  diff_mode:
    support: N/A
  platform:
    platforms: posix
options:
  path:
    description: containerd's main configuration file.
    type: path
    default: /etc/containerd/config.toml
  containerd_bin:
    description: The containerd binary used for C(config dump); a name is looked up in O(search_paths).
    type: str
    default: containerd
  search_paths:
    description:
      - Directories searched, in order, for shims and runtime binaries (containerd searches its own
        C(PATH) and the directory of the containerd binary, which is added after these).
    type: list
    elements: path
    default: [/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin]
  service:
    description:
      - A systemd unit to report on (RV(service)); nothing is asked of systemd when not set.
      - Lets a role skip its "enable and start" task, one task round, when the unit already runs and is enabled.
    type: str
    version_added: 0.2.0
requirements:
  - Python 3.11+ (C(tomllib)) or the C(tomlkit) library on the node.
"""

EXAMPLES = r"""
---
- name: Find the handlers this node can really run
  cri.runtimes.containerd_runtime_info:
  register: runtimes

- name: Publish them for the RuntimeClass play
  ansible.builtin.set_fact:
    cri_runtimes_verified_handlers: "{{ runtimes.verified }}"
"""

RETURN = r"""
---
source:
  description: Where the configuration came from, V(config dump) or V(file).
  returned: always
  type: str
  sample: config dump
version:
  description: The configuration's version.
  returned: always
  type: int
  sample: 2
default_runtime_name:
  description: The handler containerd uses when a pod names none.
  returned: always
  type: str
  sample: runc
handlers:
  description: Every handler in the effective configuration, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The handler name (what a RuntimeClass's C(handler) names).
      type: str
      returned: always
    runtime_type:
      description: The shim type.
      type: str
      returned: always
    shim:
      description: The shim binary found, or null.
      type: str
      returned: always
    binary_name:
      description: The OCI runtime the runc shim calls (runc shim types, or when C(BinaryName) is set).
      type: str
      returned: always
    binary:
      description: Where O(search_paths) found RV(handlers[].binary_name), or null.
      type: str
      returned: always
    config_path:
      description: C(options.ConfigPath) if set.
      type: str
      returned: always
    missing:
      description: What is missing for this handler to start; empty when verified.
      type: list
      elements: str
      returned: always
    verified:
      description: Whether nothing is missing.
      type: bool
      returned: always
containerd_version:
  description:
    - The first line of C(containerd --version), or null when no containerd binary was found.
    - Also returned when the module fails for a missing TOML library, so a check mode run can tell
      what is installed.
  returned: always
  type: str
  sample: containerd github.com/containerd/containerd 1.7.24 ...
  version_added: 0.2.0
config_exists:
  description: Whether the file at O(path) exists (also returned on a missing TOML library).
  returned: always
  type: bool
  version_added: 0.2.0
disabled_plugins:
  description: The effective config's C(disabled_plugins) list.
  returned: always
  type: list
  elements: str
  version_added: 0.2.0
service:
  description:
    - Only with O(service). C(active) - C(systemctl is-active) said V(active); C(enabled) - C(systemctl is-enabled)
      said V(enabled). Both false when systemctl is missing.
  returned: when O(service) is set
  type: dict
  sample: {active: true, enabled: true}
  version_added: 0.2.0
systemd_cgroup:
  description:
    - C(SystemdCgroup) of the default runtime in containerd's effective config (its C(config dump)), i.e. whether
      containerd puts pods in systemd's cgroups; what the kubelet's cgroup driver must agree with.
    - Null when there was no dump (no containerd binary, so the file was read) or the dump has no CRI plugin table.
  returned: always
  type: bool
  sample: true
  version_added: 0.2.0
verified:
  description: Sorted names of the verified handlers.
  returned: always
  type: list
  elements: str
  sample: [crun, runc, runsc]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils._runtime_info import InfoError, node_facts, run
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import have_parser


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/etc/containerd/config.toml"},
            "containerd_bin": {"type": "str", "default": "containerd"},
            "search_paths": {
                "type": "list",
                "elements": "path",
                "default": ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"],
            },
            "service": {"type": "str"},
        },
        supports_check_mode=True,
    )
    if not have_parser():
        module.fail_json(msg=missing_required_lib("tomlkit (python3-tomlkit)"), **node_facts(module))
    try:
        result = run(module)
    except InfoError as exc:
        module.fail_json(msg=str(exc), **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
