# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The Python floor of every module of this collection, stated once. `make units-floor`
    # runs the module and module_utils unit tests on Python 3.9 to prove it.
    DOCUMENTATION = r"""
options: {}
requirements:
  - Python 3.9 or newer on the host that runs the module (the managed node; for the Kubernetes modules, the host
    that talks to the API server), as on RHEL 9 and its rebuilds, Amazon Linux 2023 and Debian 11.
"""
