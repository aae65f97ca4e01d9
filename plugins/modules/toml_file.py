#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: toml_file
short_description: Set and remove keys of a TOML file another tool ships, keeping everything else
version_added: 0.1.0
description:
  - Sets keys (or whole tables) of a TOML file to values and removes keys, for files this collection does not own
    whole, such as Kata Containers' C(configuration-*.toml) or a C(runsc.toml) an operator already has.
  - The file is edited in place, not re-rendered, so comments, blank lines, the order and quoting of the other keys,
    line ends (CRLF stays CRLF) and a UTF-8 byte order mark are kept byte for byte. A key is found whether its table
    is written as a C([header]), an implicit super-table, dotted keys or an inline table.
  - The edited text is parsed again and must hold exactly the data asked for, or nothing is written.
  - For containerd's own config use M(cri.runtimes.containerd_config), which knows its config versions.
author:
  - cri.runtimes developers (!UNKNOWN)
requirements:
  - python3-tomlkit (Debian package; PyPI C(tomlkit)) or python3-tomli on Python older than 3.11; Python 3.11+ uses
    its own C(tomllib) to read TOML.
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
      - The TOML file to edit. A symlink is followed to its target.
    type: path
    required: true
  src:
    description:
      - A TOML file on the node to start from instead of O(path)'s own content, for example the default
        configuration a package ships. O(src) is only read; O(path) is written with O(src)'s text plus the edits
        whenever that differs from what O(path) holds.
      - With O(src), O(path) is a derivation that each run rewrites, so a key changed in O(path) by hand is put
        back; give it in O(set) instead.
    type: path
  set:
    description:
      - Keys to set, as a mapping of key to value. A key is a TOML dotted key (V(hypervisor.qemu.image)), with the
        parts that hold dots or spaces quoted (V(plugins."io.containerd.grpc.v1.cri".sandbox_image)).
      - A value that is a mapping replaces the whole table at that key (keys of the old table that it does not give
        are gone); to change one key of a table, set that key.
      - Tables leading to a key are created as needed, next to their relatives. A key whose path runs through a
        value or an array of tables is an error that names it.
      - A key that already holds the value (same type too - V(1) is not V(true), V("1") is not V(1)) is left alone.
    type: dict
    default: {}
  remove:
    description:
      - Keys or whole tables to remove, as TOML dotted keys or as lists of key names. Absent keys are ignored.
      - Removals happen before O(set); a key may not be both removed and set (set a table to replace it whole).
    type: list
    elements: raw
    default: []
  create:
    description:
      - Start from an empty file when O(path) does not exist (and O(src) is not given). With V(false) a missing
        file is an error, as fits a file another tool is supposed to have written.
    type: bool
    default: false
  validate:
    description:
      - Command that checks the staged file before it replaces O(path) (C(%s) is the staged file), for example the
        program that reads the file.
    type: str
notes:
  - When the file already holds every value asked for (and none of the keys to remove), it is left byte for byte.
  - Values are written as TOML - strings quoted in the file's own style, integers, floats, booleans, arrays, and
    dates and times when a Jinja expression gives Python ones. TOML has no null; a null value is an error.
  - Values are shown in the diff; do not use this module for a file that holds secrets when diff mode is on.
seealso:
  - module: cri.runtimes.containerd_config
  - name: TOML v1.0.0
    description: The format, including dotted keys and how a table may be written.
    link: https://toml.io/en/v1.0.0
"""

EXAMPLES = r"""
- name: Boot Kata's QEMU guest from the initrd (Kata reads hypervisor.qemu.initrd when image is unset)
  cri.runtimes.toml_file:
    path: /etc/kata-containers/cri-runtimes/configuration-qemu.toml
    src: /opt/kata/share/defaults/kata-containers/configuration-qemu.toml
    set:
      hypervisor.qemu.initrd: /opt/kata/share/kata-containers/kata-containers-initrd.img
      hypervisor.qemu.default_memory: 4096
    remove:
      - hypervisor.qemu.image

- name: Turn on gVisor's debug log in the runsc.toml an operator already has
  cri.runtimes.toml_file:
    path: /etc/containerd/runsc.toml
    set:
      runsc_config.debug: "true"
      runsc_config.debug-log: /var/log/runsc/%ID%/
    backup: true

- name: A key that holds dots, as a list of key names
  cri.runtimes.toml_file:
    path: /etc/example/settings.toml
    remove:
      - [servers, db.example.com]
"""

RETURN = r"""
path:
  description: The file written (symlink resolved).
  type: str
  returned: always
  sample: /etc/kata-containers/cri-runtimes/configuration-qemu.toml
changed_keys:
  description:
    - The keys the edits set or removed, as TOML dotted keys, when the file changed (relative to O(src) when given).
  type: list
  elements: str
  returned: always
  sample: [hypervisor.qemu.image, hypervisor.qemu.initrd]
backup_file:
  description: The backup the module made, if O(backup) and the file changed.
  type: str
  returned: always
  sample: /etc/containerd/runsc.toml.1234.2026-01-01@00:00:00~
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cri.runtimes.plugins.module_utils import _files
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import TomlError, have_parser
from ansible_collections.cri.runtimes.plugins.module_utils._toml_file import TomlFileError, run

ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "src": {"type": "path"},
    "set": {"type": "dict", "default": {}},
    "remove": {"type": "list", "elements": "raw", "default": []},
    "create": {"type": "bool", "default": False},
    "validate": {"type": "str"},
    "backup": {"type": "bool", "default": False},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, add_file_common_args=True, supports_check_mode=True)
    if not have_parser():
        module.fail_json(msg=missing_required_lib("tomlkit (python3-tomlkit)"))
    try:
        outcome = run(module, module._diff)
    except (TomlFileError, TomlError, _files.FileError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**outcome.as_result(module._diff))


if __name__ == "__main__":
    main()
