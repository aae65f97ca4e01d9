# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes action group: every module that talks to the API server is in it, and
what the roles set for the group is an option every one of them takes (module_defaults
would otherwise fail the task with "Unsupported parameters")."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.cri.runtimes.plugins.module_utils import _kube

ROOT = Path(__file__).resolve().parents[2]


def _kubernetes_modules() -> set[str]:
    """Modules whose documentation extends the Kubernetes connection fragment."""
    found = set()
    for path in (ROOT / "plugins" / "modules").glob("*.py"):
        text = path.read_text()
        doc = yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])
        if "cri.runtimes.kube_auth" in doc.get("extends_documentation_fragment", []):
            found.add(path.stem)
    return found


def test_every_kubernetes_module_is_in_the_group() -> None:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["kubernetes"]
    assert sorted(group) == sorted(_kubernetes_modules())
    assert {"node_labels", "runtimeclass", "runtimeclass_info"} <= set(group)


def test_roles_set_only_options_every_group_member_takes() -> None:
    seen = 0
    for tasks in (ROOT / "roles").glob("*/tasks/*.yml"):
        for task in yaml.safe_load(tasks.read_text()) or []:
            defaults = (task.get("module_defaults") or {}).get("group/cri.runtimes.kubernetes")
            if defaults is None:
                continue
            seen += 1
            unknown = set(defaults) - set(_kube.AUTH_ARG_SPEC)
            assert not unknown, f"{tasks}: {sorted(unknown)} are not connection options of every Kubernetes module"
    assert seen, "no role sets group/cri.runtimes.kubernetes (the runtimeclass role should)"
