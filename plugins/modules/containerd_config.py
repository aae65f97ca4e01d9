#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: containerd_config
short_description: Merge settings and runtime handlers into containerd's TOML config, keeping everything else
version_added: 0.1.0
description:
  - Deep-merges O(fragment) (and the version-independent shorthands O(runtimes) and O(cri)) into containerd's
    config file, or into a drop-in file that the main config C(imports).
  - Tables merge recursively; values and arrays are replaced (or unioned with O(merge_arrays=true)).
    O(remove) deletes keys or whole tables.
  - The file is edited in place, not re-rendered, so comments, blank lines, key order, quoting, line ends (CRLF
    stays CRLF) and the tables of other tools (nvidia-ctk, kata-deploy) are kept byte for byte.
  - A table is found whether it is written as a C([header]), an implicit super-table, dotted keys or an inline
    table, and a duplicate table is never written (the result is parsed again and compared with the expected data).
  - Knows config versions 1, 2, 3 (containerd 2.0+) and 4 (containerd 2.3+). The CRI runtime tables live at
    C(plugins."io.containerd.grpc.v1.cri".containerd.runtimes.<handler>) in version 2 (C(plugins.cri...) in 1)
    and at C(plugins."io.containerd.cri.v1.runtime".containerd.runtimes.<handler>) in 3 and 4.
  - With containerd 1.x an imported file replaces a whole C(plugins.<id>) section; in O(dropin) mode the module
    detects a drop-in that would drop settings that way and fails instead of writing it.
author:
  - cri.runtimes developers (!UNKNOWN)
requirements:
  - python3-tomlkit (Debian package; PyPI C(tomlkit)) on Python older than 3.11; Python 3.11+ uses its own C(tomllib)
    to read TOML. The roles of this collection install python3-tomlkit on every node.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - cri.runtimes.node_python
  # unqualified on purpose: the loader resolves the FQCN form of this one to another fragment
  - action_common_attributes.files
  - ansible.builtin.files
  - ansible.builtin.validate
  - cri.runtimes.file_edit
options:
  path:
    description:
      - The main containerd config. A symlink is followed to its target.
    type: path
    default: /etc/containerd/config.toml
  dropin:
    description:
      - Write O(fragment), O(runtimes), O(cri) and O(remove) into this file instead (same config version as
        O(path)), and make sure the C(imports) of O(path) names it (existing imports are kept; a glob that already
        matches it counts).
      - O(path) is then changed only for C(imports) (and created with C(version) if missing).
    type: path
  version:
    description:
      - Config version for a file that does not exist yet (or is empty).
      - If the file exists and is another version, the module fails.
      - Default for a new file is the version the installed C(containerd) writes (1.x gives 2, 2.0 to 2.2 give 3,
        2.3+ gives 4), or 2 when no C(containerd) binary is found.
    type: int
    choices: [1, 2, 3, 4]
  config_version:
    description:
      - Migrate O(path) and every file its C(imports) name (recursively, globs resolved as containerd does) to
        this config version, in their own text. Comments, blank lines, key order, quoting and the tables of other
        tools stay; each table and key moves to where containerd of that version reads it (version 2 to 3 for
        containerd 2.0, and 3 to 4 for containerd 2.3; 2 to 4 does both steps).
      - A file already at this version is left alone; a version 1 file, and a handler whose C(runtime_type) containerd
        2.0 removed (C(io.containerd.runc.v1), C(io.containerd.runtime.v1.linux)), are refused, naming the file
        and the handler.
      - Works in check mode and diff mode (one diff per changed file). The migrated files are validated with
        O(validate) (by default the node's C(containerd), which must then be new enough to read the version).
      - Cannot be combined with O(fragment), O(runtimes), O(cri), O(remove) or O(dropin) in one task.
    type: int
    choices: [3, 4]
    version_added: 0.1.0
  fragment:
    description:
      - TOML structure to deep-merge, as a dict (keys are TOML keys, e.g. V(io.containerd.grpc.v1.cri) is one key).
    type: dict
    default: {}
  merge_arrays:
    description:
      - Union arrays with the ones in the file (order kept, no duplicates) instead of replacing them, for example
        for C(imports) or C(pod_annotations).
    type: bool
    default: false
  runtimes:
    description:
      - Runtime handlers to add, update or remove, placed at the CRI path of the file's config version.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Handler name (a DNS label, as in a RuntimeClass C(handler)).
        type: str
        required: true
      state:
        description: V(absent) removes the handler's table.
        type: str
        choices: [present, absent]
        default: present
      runtime_type:
        description: The shim, C(runtime_type).
        type: str
        default: io.containerd.runc.v2
      runtime_path:
        description: C(runtime_path), a shim binary to use instead of the one C(runtime_type) names.
        type: str
      options:
        description: Keys of the handler's C(options) table, for example C(BinaryName), C(SystemdCgroup), C(ConfigPath).
        type: dict
      pod_annotations:
        description: C(pod_annotations) passed to the runtime.
        type: list
        elements: str
      container_annotations:
        description: C(container_annotations) passed to the runtime.
        type: list
        elements: str
      privileged_without_host_devices:
        description: C(privileged_without_host_devices).
        type: bool
      default:
        description: Make this handler the CRI C(default_runtime_name).
        type: bool
        default: false
      extra:
        description: Other keys of the handler's table, written as given.
        type: dict
  cri:
    description:
      - Version-independent CRI settings, written at the right place for the config version.
      - Known keys are C(sandbox_image), C(registry_config_path), C(cni_bin_dir) (written as C(bin_dirs) list
        where containerd 2.1+ wants it), C(cni_conf_dir), C(restrict_oom_score_adj), C(enable_cdi) and
        C(systemd_cgroup_default) (C(SystemdCgroup) of the default runtime's options). Another key is an error.
    type: dict
    default: {}
  remove:
    description:
      - Key paths to delete (a key, or a table with everything under it). Each entry is either a list of key names,
        for example V([plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata]), or one TOML dotted key as a
        string, with the keys that hold dots quoted, for example
        V('plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata'). Absent paths are ignored.
      - "Mind the nesting: O(remove) is a list of paths. A flat list such as
        C(remove: [plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata]) is five removals, the first of
        them the whole C([plugins]) table. The module refuses a flat list whose strings together name a key of the
        file, and the removal of any whole top-level table (C(plugins), C(grpc), C(proxy_plugins), ...) unless
        O(remove_top_level=true). Write C(remove: [[plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata]])
        or the dotted string."
      - Removals happen before the merge, so removing a table that O(fragment) also gives replaces that table
        as a whole.
    type: list
    elements: raw
    default: []
  remove_top_level:
    description:
      - Allow O(remove) to delete a whole top-level table such as C(plugins) or C(proxy_plugins). Top-level keys
        that hold a value (C(oom_score)) can always be removed.
    type: bool
    default: false
  validate:
    description:
      - Command that checks the staged file before it replaces the original (C(%s) is the staged file).
      - Default when a C(containerd) binary is found is C(containerd --config %s config dump); set V("") to skip.
    type: str
  create:
    description: Create O(path) if it does not exist. With V(false) a missing file is an error.
    type: bool
    default: true
notes:
  - Check mode computes everything (versions, placement, handlers) and writes nothing; validation needs a written
    file, so it runs in the real run only.
  - C(restart_needed) is true when a file containerd reads changed; the role's handler restarts containerd.
  - When the merged data equals what the file already holds, the file is left byte for byte as it is.
  - Registry credentials (C(password), C(auth) and C(identitytoken) under C(registry.configs.<host>.auth) and the
    older C(registry.auths.<host>)) are shown as C(********) in the diff, in warnings and in error messages; the
    files keep them. Nothing else is masked. A diff whose credentials cannot all be masked (the same value also
    elsewhere in the file) is replaced by a one-line note.
  - In O(dropin) mode the drop-in is written (and validated) first, then the main file; if the main file is
    refused, the drop-in is put back as it was.
  - A C(runtimes) table in a file replaces containerd's built-in one, so C(runc) then exists only if the file
    configures it; the module warns when C(default_runtime_name) names no configured handler.
seealso:
  - name: containerd CRI plugin configuration
    description: Where every CRI key lives in each config version.
    link: https://github.com/containerd/containerd/blob/main/docs/cri/config.md
"""

EXAMPLES = r"""
- name: Migrate the config and its drop-ins to version 3 after installing containerd 2.x (check mode shows the diff)
  cri.runtimes.containerd_config:
    config_version: 3

- name: Add a crun handler, whatever the config version
  cri.runtimes.containerd_config:
    runtimes:
      - name: crun
        options:
          BinaryName: /usr/bin/crun
          SystemdCgroup: true

- name: Base CRI settings and runc with the systemd cgroup driver
  cri.runtimes.containerd_config:
    cri:
      sandbox_image: registry.k8s.io/pause:3.10
      registry_config_path: /etc/containerd/certs.d
      systemd_cgroup_default: true

- name: A gVisor handler in its own drop-in (containerd 2.0+)
  cri.runtimes.containerd_config:
    dropin: /etc/containerd/conf.d/50-gvisor.toml
    runtimes:
      - name: runsc
        runtime_type: io.containerd.runsc.v1
        options:
          TypeUrl: io.containerd.runsc.v1.options
          ConfigPath: /etc/containerd/runsc.toml

- name: Any other key, as TOML structure, with arrays unioned
  cri.runtimes.containerd_config:
    fragment:
      imports: [/etc/containerd/conf.d/*.toml]
      plugins:
        io.containerd.grpc.v1.cri:
          enable_unprivileged_ports: true
    merge_arrays: true

- name: Remove the kata handler
  cri.runtimes.containerd_config:
    runtimes:
      - name: kata
        state: absent

- name: Remove a table by its key path, as a list of keys or as one TOML dotted key
  cri.runtimes.containerd_config:
    remove:
      - [plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata]
      - 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-qemu'
"""

RETURN = r"""
path:
  description: The main config that was read (symlink resolved).
  type: str
  returned: always
  sample: /etc/containerd/config.toml
dropin:
  description: The drop-in file written, when O(dropin) is set.
  type: str
  returned: when O(dropin) is set
  sample: /etc/containerd/conf.d/50-gvisor.toml
version:
  description: The config version of the file(s).
  type: int
  returned: always
  sample: 2
handlers:
  description: Sorted names of the CRI runtime handlers in the effective configuration (main file and its imports).
  type: list
  elements: str
  returned: always
  sample: [crun, runc]
restart_needed:
  description: Whether a file containerd reads changed, so containerd must restart to see it.
  type: bool
  returned: always
  sample: true
backup_file:
  description: The backup the module made, if O(backup) and a file changed.
  type: str
  returned: always
  sample: /etc/containerd/config.toml.1234.2026-01-01@00:00:00~
changed_files:
  description:
    - Every file whose text changed (in check mode, would change), in the order written. A migration
      (O(config_version)) lists each imported drop-in it migrates, then the main file.
  type: list
  elements: str
  returned: always
  sample: [/etc/containerd/conf.d/kata-deploy.toml, /etc/containerd/config.toml]
  version_added: 0.1.0
backup_files:
  description:
    - The backup of each changed file, by path, if O(backup) (a migration backs up every drop-in it changes,
      not only the main file that RV(backup_file) names), so that a rollback can put each one back.
  type: dict
  returned: always
  sample: {/etc/containerd/config.toml: /etc/containerd/config.toml.1234.2026-01-01@00:00:00~}
  version_added: 0.1.0
diff:
  description: Before and after text of each changed file, in diff mode.
  type: list
  elements: dict
  returned: diff mode
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils import _files
from ansible_collections.cri.runtimes.plugins.module_utils._containerd_config import ConfigError, run
from ansible_collections.cri.runtimes.plugins.module_utils._containerd_schema import RUNC_RUNTIME_TYPE, VERSIONS
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import TomlError, have_parser

RUNTIME_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "runtime_type": {"type": "str", "default": RUNC_RUNTIME_TYPE},
    "runtime_path": {"type": "str"},
    "options": {"type": "dict"},
    "pod_annotations": {"type": "list", "elements": "str"},
    "container_annotations": {"type": "list", "elements": "str"},
    "privileged_without_host_devices": {"type": "bool"},
    "default": {"type": "bool", "default": False},
    "extra": {"type": "dict"},
}

ARGUMENT_SPEC = {
    "path": {"type": "path", "default": "/etc/containerd/config.toml"},
    "dropin": {"type": "path"},
    "version": {"type": "int", "choices": list(VERSIONS)},
    "config_version": {"type": "int", "choices": [3, 4]},
    "fragment": {"type": "dict", "default": {}},
    "merge_arrays": {"type": "bool", "default": False},
    "runtimes": {"type": "list", "elements": "dict", "default": [], "options": RUNTIME_SPEC},
    "cri": {"type": "dict", "default": {}},
    "remove": {"type": "list", "elements": "raw", "default": []},
    "remove_top_level": {"type": "bool", "default": False},
    "validate": {"type": "str"},
    "backup": {"type": "bool", "default": False},
    "create": {"type": "bool", "default": True},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, add_file_common_args=True, supports_check_mode=True)
    if not have_parser():
        module.fail_json(msg=missing_required_lib("tomlkit (python3-tomlkit)"))
    try:
        outcome = run(module, module._diff)
    except (ConfigError, TomlError, _files.FileError) as exc:
        module.fail_json(msg=str(exc))
    for warning in outcome.warnings:
        module.warn(warning)
    module.exit_json(**outcome.as_result(module._diff))


if __name__ == "__main__":
    main()
