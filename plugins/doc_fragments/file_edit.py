# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # Private to this collection (not an interface for other collections): what every module of
    # cri.runtimes that edits files on the node shares, because they all write through
    # plugins/module_utils/_files.py. A module extends it after ansible.builtin.action_common_attributes,
    # action_common_attributes.files and ansible.builtin.files, which describe the attributes and
    # the mode/owner/group/selinux options themselves.
    DOCUMENTATION = r"""
options:
  backup:
    description:
      - Keep a timestamped copy of each file the module changes, next to it, before replacing it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
  safe_file_operations:
    support: full
  vault:
    support: none
notes:
  - O(mode), O(owner) and O(group) are checked before any file is written; a bad one fails with every file as it
    was. The new content is staged next to the file as C(.<name>.cri-staged.<pid>.<random>.tmp), fsync'ed, moved
    over the file, and the directory is fsync'ed. A run killed between staging and the move leaves the file as it
    was and its staged file behind; the next run that writes that file removes staged files whose process is gone.
"""
