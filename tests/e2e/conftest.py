# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the end-to-end suite: a running lab (``python -m lab up`` first)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lab.cluster import INVENTORY, LOGS, REPO, STATE, Lab


class Cluster:
    """The running lab, seen the way an operator would look at it."""

    def __init__(self) -> None:
        self.lab = Lab()
        self.lab.setup_env()
        self.lab.find_kube_binaries()
        if self.lab.kube_bin is None or not (STATE / "apiserver" / "kubeconfig").exists():
            pytest.fail("no running lab: run `python -m lab up` (make e2e does)")
        self.nodes = self.lab.nodes()

    def kubectl(self, *args: str, check: bool = True) -> str:
        return self.lab.kubectl(*args, check=check)

    def get(self, *args: str) -> Any:
        return self.lab.kubectl_json("get", *args)

    def node_exec(self, node: str, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["podman", "exec", node, *args], capture_output=True, text=True, env=self.lab.env, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"podman exec {node} {' '.join(args)}: rc={proc.returncode}: {proc.stderr}")
        return proc.stdout

    def main_pid(self, node: str, unit: str) -> int:
        return int(self.node_exec(node, "systemctl", "show", "-p", "MainPID", "--value", unit).strip())

    def playbook(self, playbook: str, *extra: str, inventory: Path = INVENTORY) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                "-i",
                str(inventory),
                str(REPO / "playbooks" / playbook),
                "-e",
                f"@{STATE / 'cluster.yml'}",
                *extra,
            ],
            capture_output=True,
            text=True,
            env=self.lab.env,
            cwd=REPO,
            check=False,
        )

    def admin_writes(self) -> list[dict[str, Any]]:
        """Write requests the collection's credentials (the admin user) sent so far.

        The lab's kube-scheduler shares that kubeconfig; its requests (events, bindings)
        are told apart by their user agent.
        """
        events = []
        for line in (STATE / "apiserver" / "audit.log").read_text().splitlines():
            event = json.loads(line)
            if event.get("user", {}).get("username") != "cri-admin":
                continue
            if event.get("userAgent", "").startswith("kube-scheduler/"):
                continue
            events.append(event)
        return events

    def smoke(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads((LOGS / "smoke.json").read_text())
        return data


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return Cluster()
