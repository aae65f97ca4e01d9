# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's commands (``python -m lab COMMAND``): up, smoke, status, down."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

from . import __doc__ as DOC
from .cluster import LOGS, NETWORK, SCRIPTS, STATE, Lab, StepFailed, alive
from .smoke import run_smoke, status_table


def smoke_step(lab: Lab, nodes: dict[str, dict[str, Any]]) -> None:
    """Run the smoke pods; the step fails when a claim in the table has no evidence."""
    with lab.step("smoke", "one pod per RuntimeClass, and one that fits no node"):
        report, problems = run_smoke(lab, nodes)
        (LOGS / "smoke.txt").write_text(report)
        if problems:
            raise StepFailed("; ".join(problems) + f" (table: {LOGS / 'smoke.txt'})")
    print(report)


def cmd_up(lab: Lab) -> None:
    started = time.monotonic()
    lab.setup_env()
    STATE.mkdir(parents=True, exist_ok=True)
    lab.kube_binaries()
    lab.save_sysctls()
    nodes = lab.nodes()
    images = lab.images(nodes)
    lab.network()
    lab.start_nodes(images, nodes)
    lab.apiserver()
    lab.scheduler()
    lab.prepare()
    lab.site()
    lab.nodes_ready(nodes)
    smoke_step(lab, nodes)
    print(f"[lab] up in {time.monotonic() - started:.0f} s; `make lab-down` stops it")


def cmd_smoke(lab: Lab) -> None:
    lab.setup_env()
    lab.find_kube_binaries()
    smoke_step(lab, lab.nodes())


def cmd_status(lab: Lab) -> None:
    lab.setup_env()
    lab.find_kube_binaries()
    print(status_table(lab, lab.nodes()))


def cmd_down(lab: Lab) -> None:
    lab.setup_env()
    lab.find_kube_binaries()
    with lab.step("down", "stop the scheduler, the API server and etcd; remove nodes, volumes, network"):
        pidfile = STATE / "scheduler.pid"
        if pidfile.exists():
            pid = int(pidfile.read_text())
            if alive(pid):
                os.kill(pid, 15)
            pidfile.unlink()
        if lab.kube_bin is not None and (STATE / "apiserver").exists():
            lab.run(SCRIPTS / "setup" / "apiserver", "stop", env=lab.apiserver_env(), check=False)
        names = lab.podman("ps", "-a", "--filter", "label=cri-runtimes-lab=1", "--format", "{{.Names}}", capture=True)
        for name in names.split():
            lab.podman("rm", "-f", "-t", "2", name, check=False)
            for vol in ("containerd", "kubelet"):
                lab.podman("volume", "rm", "-f", f"{name}-{vol}", check=False)
        if lab._exists_network():
            lab.podman("network", "rm", NETWORK, check=False)
        lab.restore_sysctls()
        for stale in ("pki", "cluster.yml", "test-images.tar"):
            path = STATE / stale
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    print("[lab] down; host sysctls restored")


COMMANDS: dict[str, Callable[[Lab], None]] = {
    "up": cmd_up,
    "smoke": cmd_smoke,
    "status": cmd_status,
    "down": cmd_down,
}


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab", description=DOC, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("lab: run as root (podman system containers, cgroup mounts, sysctls)", file=sys.stderr)
        return 1
    COMMANDS[args.command](Lab())
    return 0
