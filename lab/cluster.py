# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's cluster: paths, the host's and the nodes' set-up steps, and the commands they run.

One ``Lab`` drives the steps of ``python -m lab up``; each step logs to .lab/logs/<step>.log.
This module imports nothing else of the lab (lab/smoke.py and lab/cli.py build on it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
STATE = Path(os.environ.get("CRI_LAB_DIR", REPO / ".lab"))
LOGS = STATE / "logs"
INVENTORY = REPO / "lab" / "inventory.yml"
NETWORK = "cri-lab"
SUBNET = "10.89.42.0/24"
GATEWAY = "10.89.42.1"
NODE_PACKAGES = ["containerd", "runc", "crun", "runsc", "containernetworking-plugins"]
# A node's Debian suite (inventory variable lab_suite) decides its containerd generation: bookworm
# ships containerd 1.6, trixie 1.7. Both still serve CRI v1alpha2, the only CRI the lab's kubelet
# 1.20 speaks (containerd 2.0 removed it), so the lab mixes them and no newer suite.
DEFAULT_SUITE = "bookworm"
LAB_SUITES = ("bookworm", "trixie")


def node_suite(hostvars: dict[str, Any]) -> str:
    suite = str(hostvars.get("lab_suite", DEFAULT_SUITE))
    if suite not in LAB_SUITES:
        raise StepFailed(
            f"lab_suite={suite}: the lab's kubelet 1.20 needs containerd 1.6/1.7 ({', '.join(LAB_SUITES)})"
        )
    return suite


# The kubelet rewrites these host sysctls; the lab puts them back on `down`.
SYSCTLS = ["kernel.panic", "kernel.panic_on_oops", "vm.overcommit_memory"]


class StepFailed(Exception):
    pass


@dataclass
class Lab:
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    kube_bin: Path | None = None
    step_no: int = 0
    current_log: Path | None = None

    # ---- plumbing -------------------------------------------------------------
    @contextmanager
    def step(self, name: str, what: str) -> Iterator[None]:
        self.step_no += 1
        LOGS.mkdir(parents=True, exist_ok=True)
        self.current_log = LOGS / f"{name}.log"
        self.current_log.write_text("")
        print(f"[lab] {self.step_no:>2}. {what} ...", flush=True)
        start = time.monotonic()
        try:
            yield
        except (StepFailed, subprocess.CalledProcessError) as exc:
            print(f"[lab] {self.step_no:>2}. {what}: FAILED after {time.monotonic() - start:.0f} s", flush=True)
            print(f"[lab]     {exc}", flush=True)
            print(f"[lab]     log: {self.current_log}", flush=True)
            tail = self.current_log.read_text(errors="replace").splitlines()[-25:]
            for line in tail:
                print(f"[lab]     | {line}", flush=True)
            raise SystemExit(1) from None
        print(f"[lab] {self.step_no:>2}. {what}: done in {time.monotonic() - start:.0f} s", flush=True)

    def run(
        self, *cmd: str | Path, check: bool = True, capture: bool = False, env: dict[str, str] | None = None
    ) -> str:
        args = [str(c) for c in cmd]
        log = self.current_log or (LOGS / "lab.log")
        with open(log, "a") as fh:
            fh.write(f"$ {' '.join(args)}\n")
            fh.flush()
            proc = subprocess.run(
                args,
                cwd=REPO,
                env={**self.env, **(env or {})},
                stdout=subprocess.PIPE if capture else fh,
                stderr=fh,
                text=True,
                check=False,
            )
        if check and proc.returncode != 0:
            raise StepFailed(f"`{' '.join(args[:4])}{' ...' if len(args) > 4 else ''}` exited {proc.returncode}")
        return (proc.stdout or "") if capture else ""

    def podman(self, *args: str, check: bool = True, capture: bool = False) -> str:
        return self.run("podman", *args, check=check, capture=capture)

    def kubectl(self, *args: str, check: bool = True, capture: bool = True) -> str:
        assert self.kube_bin is not None
        return self.run(
            self.kube_bin / "kubectl",
            "--kubeconfig",
            STATE / "apiserver" / "kubeconfig",
            # its discovery and HTTP cache in the lab's state, not ~/.kube/cache (make test checks)
            "--cache-dir",
            STATE / "kube-cache",
            *args,
            check=check,
            capture=capture,
        )

    def kubectl_json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json"))

    # ---- inventory --------------------------------------------------------------
    def nodes(self) -> dict[str, dict[str, Any]]:
        out = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(INVENTORY), "--list"],
            capture_output=True,
            text=True,
            check=True,
            env=self.env,
        ).stdout
        data = json.loads(out)
        hostvars = data["_meta"]["hostvars"]
        return {name: hostvars[name] for name in sorted(hostvars)}

    # ---- steps ------------------------------------------------------------------
    def setup_env(self) -> None:
        self.env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO / ".tmp" / "collections")
        # Ansible's state stays in the checkout, never in ~/.ansible (the same values as
        # scripts/lib/ansible-env, which says why each one is needed).
        home = Path(self.env.setdefault("ANSIBLE_HOME", str(REPO / ".tmp" / "ansible-home")))
        self.env.setdefault("ANSIBLE_LOCAL_TEMP", str(home / "tmp"))
        self.env.setdefault("ANSIBLE_GALAXY_CACHE_DIR", str(home / "galaxy_cache"))
        self.env.setdefault("ANSIBLE_REMOTE_TEMP", str(home / "remote-tmp"))
        self.env["PATH"] = f"{Path(sys.executable).parent}:{self.env.get('PATH', '')}"
        self.env.setdefault("ANSIBLE_NOCOLOR", "1")
        link = REPO / ".tmp" / "collections" / "ansible_collections" / "cri" / "runtimes"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(REPO)
        conf = subprocess.run(
            [str(SCRIPTS / "setup" / "podman-host-setup")], capture_output=True, text=True, check=True
        ).stdout.strip()
        self.env["CONTAINERS_CONF"] = conf

    def kube_binaries(self) -> None:
        with self.step("kube-build", "kube-apiserver, kube-scheduler, kubelet, kubectl from Debian's source"):
            out = self.run(SCRIPTS / "setup" / "kube-build", capture=True).strip().splitlines()
            self.kube_bin = Path(out[-1])

    def find_kube_binaries(self) -> None:
        cache = Path(os.environ.get("KUBE_CACHE", Path.home() / ".cache" / "cri-runtimes" / "kubernetes"))
        found = sorted(cache.glob("*/bin/kubectl"))
        self.kube_bin = found[-1].parent if found else None

    def save_sysctls(self) -> None:
        saved = STATE / "sysctl.saved"
        if saved.exists():
            return
        values = {k: Path("/proc/sys", k.replace(".", "/")).read_text().strip() for k in SYSCTLS}
        STATE.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(values, indent=1) + "\n")

    def restore_sysctls(self) -> None:
        saved = STATE / "sysctl.saved"
        if not saved.exists():
            return
        for key, value in json.loads(saved.read_text()).items():
            Path("/proc/sys", key.replace(".", "/")).write_text(value + "\n")
        saved.unlink()

    def images(self, nodes: dict[str, dict[str, Any]]) -> dict[str, str]:
        """The node image of each suite the inventory's nodes use (suite -> image)."""
        suites = sorted({node_suite(hv) for hv in nodes.values()})
        with self.step(
            "images", f"node images ({', '.join(suites)}: debootstrap + podman import, cached), test images"
        ):
            images = {}
            for suite in suites:
                out = self.run(SCRIPTS / "setup" / "node-image", suite, *NODE_PACKAGES, capture=True).strip()
                images[suite] = out.splitlines()[-1]
            busybox = shutil.which("busybox") or "/bin/busybox"
            self.run(
                sys.executable,
                SCRIPTS / "fixtures" / "test-images.py",
                STATE / "test-images.tar",
                "--busybox",
                busybox,
            )
            return images

    def network(self) -> None:
        with self.step("network", f"podman network {NETWORK} ({SUBNET})"):
            if self._exists_network():
                return
            self.podman("network", "create", "--subnet", SUBNET, "--gateway", GATEWAY, NETWORK)

    def _exists_network(self) -> bool:
        proc = subprocess.run(["podman", "network", "exists", NETWORK], env=self.env, check=False)
        return proc.returncode == 0

    def start_nodes(self, images: dict[str, str], nodes: dict[str, dict[str, Any]]) -> None:
        assert self.kube_bin is not None
        with self.step("nodes", f"node containers: {', '.join(nodes)}"):
            for name, hv in nodes.items():
                state = self.podman("inspect", "-f", "{{.State.Running}}", name, check=False, capture=True).strip()
                if state == "true":
                    continue
                if state:
                    self.podman("rm", "-f", name)
                self.podman(
                    "run",
                    "-d",
                    "--name",
                    name,
                    "--hostname",
                    name,
                    "--network",
                    NETWORK,
                    "--ip",
                    hv["lab_ip"],
                    "--privileged",
                    "--cgroupns=private",
                    "--systemd=always",
                    "--runtime",
                    "runc",
                    "-v",
                    f"{name}-containerd:/var/lib/containerd",
                    "-v",
                    f"{name}-kubelet:/var/lib/kubelet",
                    "-v",
                    f"{self.kube_bin}:/opt/kube/bin:ro",
                    "--label",
                    "cri-runtimes-lab=1",
                    images[node_suite(hv)],
                )
            deadline = time.monotonic() + 60
            for name in nodes:
                while True:
                    state = self.podman("exec", name, "systemctl", "is-system-running", check=False, capture=True)
                    if state.strip() in {"running", "degraded"}:
                        break
                    if time.monotonic() > deadline:
                        raise StepFailed(f"{name}: systemd did not finish booting ({state.strip()})")
                    time.sleep(1)

    def apiserver(self) -> None:
        with self.step("apiserver", f"etcd and kube-apiserver (on 127.0.0.1 and {GATEWAY} only)"):
            env = self.apiserver_env()
            status = subprocess.run(
                [str(SCRIPTS / "setup" / "apiserver"), "status"], env=env, capture_output=True, check=False
            )
            if status.returncode == 0:
                return
            self.run(SCRIPTS / "setup" / "apiserver", "start", env=env)

    def apiserver_env(self) -> dict[str, str]:
        assert self.kube_bin is not None
        return {
            **self.env,
            "APISERVER_DIR": str(STATE / "apiserver"),
            "KUBE_BIN": str(self.kube_bin),
            "APISERVER_BIND_ADDRESS": GATEWAY,
            "APISERVER_CERT_SANS": f"{GATEWAY},127.0.0.1",
            # No controller-manager runs: no ServiceAccount token controller either.
            "APISERVER_DISABLE_ADMISSION": "ServiceAccount",
            "APISERVER_ENABLE_ADMISSION": "NodeRestriction,RuntimeClass",
            "APISERVER_EXTRA_ARGS": "--kubelet-preferred-address-types=InternalIP",
        }

    def scheduler(self) -> None:
        assert self.kube_bin is not None
        with self.step("scheduler", "kube-scheduler"):
            pidfile = STATE / "scheduler.pid"
            if pidfile.exists() and alive(int(pidfile.read_text())):
                return
            log = open(LOGS / "kube-scheduler.log", "a")  # noqa: SIM115 - handed to the daemon
            proc = subprocess.Popen(
                [
                    str(self.kube_bin / "kube-scheduler"),
                    "--kubeconfig",
                    str(STATE / "apiserver" / "kubeconfig"),
                    "--leader-elect=false",
                    "--port=0",
                    "--secure-port=10259",
                    "--bind-address=127.0.0.1",
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,
                env=self.env,
            )
            pidfile.write_text(f"{proc.pid}\n")
            time.sleep(1)
            if proc.poll() is not None:
                raise StepFailed(f"kube-scheduler exited {proc.returncode}; see {LOGS / 'kube-scheduler.log'}")

    def ansible_playbook(self, playbook: Path, *extra: str) -> None:
        self.run(
            "ansible-playbook",
            "-i",
            INVENTORY,
            playbook,
            "-e",
            f"@{STATE / 'cluster.yml'}",
            *extra,
        )

    def write_cluster_vars(self) -> None:
        assert self.kube_bin is not None
        env = dict(line.split("=", 1) for line in (STATE / "apiserver" / "env").read_text().split() if "=" in line)
        (STATE / "cluster.yml").write_text(
            json.dumps(
                {
                    "lab_state_dir": str(STATE),
                    "lab_repo": str(REPO),
                    "lab_apiserver_url": env["APISERVER_URL"],
                    "lab_kube_bin": str(self.kube_bin),
                    "lab_test_images": str(STATE / "test-images.tar"),
                    "runtimeclass_kubeconfig": str(STATE / "apiserver" / "kubeconfig"),
                },
                indent=1,
            )
            + "\n"
        )

    def prepare(self) -> None:
        with self.step("prepare", "make each container a kubeadm-style node (lab/prepare.yml)"):
            self.write_cluster_vars()
            self.ansible_playbook(REPO / "lab" / "prepare.yml")

    def site(self) -> None:
        with self.step("site", "configure the cluster with the collection (playbooks/site.yml)"):
            self.ansible_playbook(REPO / "playbooks" / "site.yml")

    def nodes_ready(self, nodes: dict[str, dict[str, Any]]) -> None:
        with self.step("ready", "nodes Ready (the lab stands in for the node lifecycle controller)"):
            deadline = time.monotonic() + 120
            pending = set(nodes)
            while pending:
                for node in self.kubectl_json("get", "nodes")["items"]:
                    name = node["metadata"]["name"]
                    ready = any(
                        c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", [])
                    )
                    if name in pending and ready:
                        pending.discard(name)
                        # No controller-manager runs, so nothing lifts the taint the kubelet
                        # registers with; do what the node lifecycle controller would.
                        taints = node["spec"].get("taints", [])
                        if any(t["key"] == "node.kubernetes.io/not-ready" for t in taints):
                            self.kubectl("taint", "node", name, "node.kubernetes.io/not-ready:NoSchedule-")
                if pending and time.monotonic() > deadline:
                    raise StepFailed(f"not Ready after 120 s: {', '.join(sorted(pending))}")
                if pending:
                    time.sleep(2)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
