# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what an idempotent converge of playbooks/site.yml costs on the lab's nodes.

Not a test (no timing is asserted); run with ``make bench`` against a running lab
(``make lab``; the lab's state directory is ``.lab`` or ``$CRI_LAB_DIR``). Without a
running lab it says so and measures nothing. In one run, on the same nodes:

Only the node play runs (``--limit kube_node``): play 2 (labels, RuntimeClasses) runs once on the
controller against the API server and is not part of a node's converge.

1. ``site.yml`` once, to converge (not measured);
2. ``site.yml`` again, BENCH_REPS times (default 3): the idempotent converge. A callback
   (tests/benchmarks/callbacks/task_rounds.py) counts per node the tasks that ran
   (skipped ones do not), and among them the ones that ran a module on the node
   ("remote": set_fact, assert, include... run on the controller). Any change is reported:
   the second converge must be changed=0;
3. a playbook of plain ``ping`` tasks on the same nodes, with 1 and with 11 tasks, to get the
   cost of one task round (the difference / 10) and of starting a playbook.

It prints the median wall times, the ratio site.yml / ping playbook of 10 rounds (+1 for the
fixed part), and the site.yml converge in "ping rounds": (site - fixed cost) / round cost.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("CRI_LAB_DIR", ROOT / ".lab"))
INVENTORY = ROOT / "lab" / "inventory.yml"
SITE = ROOT / "playbooks" / "site.yml"
NODE_GROUP = "kube_node"


def playbook(path: Path, rounds_file: Path | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    env["ANSIBLE_CALLBACK_PLUGINS"] = str(Path(__file__).parent / "callbacks")
    env["ANSIBLE_CALLBACKS_ENABLED"] = "task_rounds"
    if rounds_file is not None:
        env["CRI_TASK_ROUNDS_FILE"] = str(rounds_file)
    # The node play only: play 2 (labels, RuntimeClasses) runs once on the controller against the
    # API server, whatever the number of nodes; it is not part of a node's converge.
    argv = [
        "ansible-playbook",
        "-i",
        str(INVENTORY),
        str(path),
        "-e",
        f"@{STATE / 'cluster.yml'}",
        "--limit",
        NODE_GROUP,
    ]
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(
            f"bench_converge: {path.name} failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
        )
    return elapsed, proc.stdout


def recap_changed(stdout: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in stdout.splitlines():
        if " changed=" in line and " : ok=" in line:
            host = line.split(":", 1)[0].strip()
            out[host] = int(line.split(" changed=", 1)[1].split()[0])
    return out


def ping_playbook(directory: Path, tasks: int) -> Path:
    path = directory / f"ping-{tasks}.yml"
    body = [f"- name: Ping round {i + 1}\n      ansible.builtin.ping:\n" for i in range(tasks)]
    path.write_text(
        f"---\n- name: Plain ping rounds\n  hosts: {NODE_GROUP}\n  gather_facts: false\n  tasks:\n"
        + "".join("    " + b for b in body)
    )
    return path


def lab_running() -> str:
    if not (STATE / "cluster.yml").exists():
        return f"no lab state at {STATE} (start the lab: make lab)"
    names = subprocess.run(
        ["podman", "ps", "--filter", "label=cri-runtimes-lab=1", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if not names:
        return "no lab node is running (start the lab: make lab)"
    return ""


def main() -> int:
    why = lab_running()
    if why:
        print(f"bench_converge: SKIPPED - {why}")
        return 0
    reps = int(os.environ.get("BENCH_REPS", "3"))
    with tempfile.TemporaryDirectory(prefix="cri-bench-converge-") as tmp:
        tmpdir = Path(tmp)
        playbook(SITE)  # converge first: the measured runs are the idempotent second converge
        site_times: list[float] = []
        rounds: dict[str, Any] = {}
        changed: dict[str, int] = {}
        for rep in range(reps):
            rounds_file = tmpdir / f"rounds-{rep}.json"
            elapsed, stdout = playbook(SITE, rounds_file)
            site_times.append(elapsed)
            rounds = json.loads(rounds_file.read_text())
            changed = {h: c for h, c in recap_changed(stdout).items() if c}
        ping1 = [playbook(ping_playbook(tmpdir, 1))[0] for _rep in range(reps)]
        ping11 = [playbook(ping_playbook(tmpdir, 11))[0] for _rep in range(reps)]
    site, p1, p11 = statistics.median(site_times), statistics.median(ping1), statistics.median(ping11)
    per_round = (p11 - p1) / 10
    fixed = p1 - per_round
    nodes = sorted(h for h in rounds if h != "localhost")
    print(f"Idempotent converge of playbooks/site.yml on {', '.join(nodes)} (median of {reps}, wall seconds)")
    print(f"  site.yml (second converge)       {site:7.2f} s   changed: {changed or 'none'}")
    print(f"  ping playbook, 1 task            {p1:7.2f} s")
    print(f"  ping playbook, 11 tasks          {p11:7.2f} s   -> one task round {per_round:.2f} s, fixed {fixed:.2f} s")
    print(f"  RATIO site.yml / ping playbook of 11 tasks: {site / p11:.2f}")
    print(f"  site.yml in ping task rounds: {(site - fixed) / per_round:.1f}")
    print("  task rounds per node (tasks that ran; remote = ran a module on the node):")
    for host in sorted(rounds):
        entry = rounds[host]
        print(f"    {host:<12} ran {entry['ran']:3d}   remote {entry['remote']:3d}")
    if os.environ.get("BENCH_VERBOSE"):
        for host in nodes:
            print(f"  {host}:")
            for action, name in rounds[host]["tasks"]:
                print(f"    {action:<28} {name}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
