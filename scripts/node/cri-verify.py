# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prove, as a kubelet would, that containerd runs pods under the runtime each handler names.

Runs INSIDE a node, against containerd's CRI socket, with the PyPI package
``container-runtime-interface-api`` (module ``cri_api``) on ``sys.path``:

    python3 cri-verify.py --image IMAGE runc=runc crun=crun runsc=gvisor [kata-qemu=fails]

Each ``HANDLER=KIND`` runs a pod sandbox (host network, no CNI needed) with
``runtime_handler=HANDLER`` (the empty handler for ``default``), then a container
in it from IMAGE, and collects evidence of the runtime that really ran it:

- ``runc`` / ``crun``: the OCI runtime's own state for the container (``runc state`` or
  ``crun state`` under the runc shim's root) and the runtime options containerd
  reports for it (CRI ContainerStatus verbose info; ``BinaryName``);
- ``gvisor``: the container's kernel messages (``Starting gVisor...``) and a kernel
  release that differs from the host's;
- ``fails`` (or ``fails:TEXT``): the sandbox must NOT start (a handler whose runtime
  cannot run here), and containerd's error must contain TEXT; the error is printed.

Prints one JSON document with the evidence; exits 1 if any expectation failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from typing import Any

KINDS = ("runc", "crun", "gvisor", "fails")
SHIM_ROOT = "/run/containerd/runc/k8s.io"


def _cri() -> Any:
    import cri_api
    import grpc

    return cri_api, grpc


def run(cmd: list[str]) -> tuple[int, str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def _state_summary(out: str) -> dict[str, Any] | str:
    try:
        state = json.loads(out)
    except ValueError:
        return out
    return {k: state.get(k) for k in ("ociVersion", "status", "pid")}


def read_log(path: str) -> list[str]:
    """CRI log lines are ``<time> <stream> <tag> <message>``; keep the message."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n").split(" ", 3)[-1] for line in f]
    except FileNotFoundError:
        return []


class Verifier:
    def __init__(self, socket: str, image: str, timeout: float, cgroup_parent: str = "") -> None:
        cri_api, grpc = _cri()
        self.api = cri_api
        self.grpc = grpc
        channel = grpc.insecure_channel(f"unix://{socket}")
        self.runtime = cri_api.RuntimeServiceStub(channel)
        self.image = image
        self.timeout = timeout
        self.logdir = f"/tmp/cri-verify-{os.getpid()}"
        self.cgroup_parent = cgroup_parent

    def version(self) -> dict[str, str]:
        v = self.runtime.Version(self.api.VersionRequest(), timeout=10)
        return {"runtime_name": v.runtime_name, "runtime_version": v.runtime_version, "api": v.runtime_api_version}

    def _sandbox_config(self, handler: str) -> Any:
        api = self.api
        name = f"verify-{handler or 'default'}"
        return api.PodSandboxConfig(
            metadata=api.PodSandboxMetadata(name=name, uid=str(uuid.uuid4()), namespace="cri-verify", attempt=0),
            log_directory=f"{self.logdir}/{name}",
            linux=api.LinuxPodSandboxConfig(
                cgroup_parent=self.cgroup_parent,
                security_context=api.LinuxSandboxSecurityContext(
                    namespace_options=api.NamespaceOption(network=api.NamespaceMode.NODE)
                ),
            ),
        )

    def check(self, handler: str, kind: str, expect_error: str = "") -> dict[str, Any]:
        api = self.api
        cri_handler = "" if handler == "default" else handler
        result: dict[str, Any] = {"handler": handler, "expect": kind, "ok": False, "evidence": {}}
        evidence = result["evidence"]
        sb_config = self._sandbox_config(cri_handler)
        os.makedirs(sb_config.log_directory, exist_ok=True)
        sandbox_id = ""
        try:
            try:
                resp = self.runtime.RunPodSandbox(
                    api.RunPodSandboxRequest(config=sb_config, runtime_handler=cri_handler), timeout=self.timeout
                )
            except self.grpc.RpcError as exc:
                evidence["run_pod_sandbox_error"] = exc.details()
                result["ok"] = kind == "fails" and expect_error in (exc.details() or "")
                return result
            sandbox_id = resp.pod_sandbox_id
            evidence["sandbox_id"] = sandbox_id
            if kind == "fails":
                evidence["unexpected"] = "the sandbox started, but this handler was expected to fail"
                return result
            status = self.runtime.PodSandboxStatus(
                api.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id, verbose=True), timeout=10
            )
            sb_info = json.loads(status.info.get("info", "{}"))
            evidence["sandbox_runtime_handler"] = sb_info.get("runtimeHandler", status.status.runtime_handler)
            script = 'echo "uname-r=$(uname -r)"; dmesg 2>&1 | head -n 3; echo ready; exec sleep 3600'
            ctr_config = api.ContainerConfig(
                metadata=api.ContainerMetadata(name="probe", attempt=0),
                image=api.ImageSpec(image=self.image),
                command=["/bin/sh", "-c", script],
                log_path="probe.log",
            )
            created = self.runtime.CreateContainer(
                api.CreateContainerRequest(pod_sandbox_id=sandbox_id, config=ctr_config, sandbox_config=sb_config),
                timeout=self.timeout,
            )
            cid = created.container_id
            evidence["container_id"] = cid
            self.runtime.StartContainer(api.StartContainerRequest(container_id=cid), timeout=self.timeout)
            lines = self.wait_output(os.path.join(sb_config.log_directory, "probe.log"))
            evidence["container_output"] = lines
            cstatus = self.runtime.ContainerStatus(
                api.ContainerStatusRequest(container_id=cid, verbose=True), timeout=10
            )
            evidence["container_state"] = api.ContainerState.Name(cstatus.status.state)
            info = json.loads(cstatus.info.get("info", "{}"))
            evidence["runtime_type"] = info.get("runtimeType")
            evidence["runtime_options"] = info.get("runtimeOptions")
            running = cstatus.status.state == api.ContainerState.CONTAINER_RUNNING
            result["ok"] = running and self.judge(kind, cid, lines, info, evidence)
            return result
        except self.grpc.RpcError as exc:
            evidence["error"] = f"{exc.code().name}: {exc.details()}"
            return result
        finally:
            if sandbox_id:
                for call, req in (
                    (self.runtime.StopPodSandbox, api.StopPodSandboxRequest(pod_sandbox_id=sandbox_id)),
                    (self.runtime.RemovePodSandbox, api.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id)),
                ):
                    try:
                        call(req, timeout=self.timeout)
                    except self.grpc.RpcError as exc:
                        evidence.setdefault("cleanup_errors", []).append(exc.details())

    def wait_output(self, log_path: str) -> list[str]:
        deadline = time.monotonic() + self.timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = read_log(log_path)
            if "ready" in lines:
                break
            time.sleep(0.5)
        return lines

    def judge(self, kind: str, cid: str, lines: list[str], info: dict[str, Any], evidence: dict[str, Any]) -> bool:
        """True when the evidence shows that runtime KIND ran container CID."""
        host_kernel = os.uname().release
        kernel = next((line.split("=", 1)[1] for line in lines if line.startswith("uname-r=")), "")
        evidence["container_kernel"] = kernel
        evidence["host_kernel"] = host_kernel
        if kind == "gvisor":
            return any("gVisor" in line for line in lines) and kernel not in ("", host_kernel)
        code, out = run([shutil.which(kind) or kind, "--root", SHIM_ROOT, "state", cid])
        evidence[f"{kind}_state"] = _state_summary(out) if code == 0 else f"exit {code}: {out}"
        other = "crun" if kind == "runc" else "runc"
        other_bin = shutil.which(other)
        other_code = 1
        if other_bin:
            other_code = run([other_bin, "--root", SHIM_ROOT, "state", cid])[0]
            evidence[f"{other}_state"] = "recognises it" if other_code == 0 else f"does not know it (exit {other_code})"
        binary_name = str((info.get("runtimeOptions") or {}).get("binary_name", ""))
        if kind == "crun":
            named = binary_name.endswith("crun")
        else:
            # a BinaryName that is a link to runc (another tool's wrapper path, e.g. a stand-in) counts as runc
            named = binary_name in ("", "runc") or os.path.realpath(binary_name).endswith("/runc")
        return code == 0 and other_code != 0 and named and kernel == host_kernel


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run a pod per CRI runtime handler and prove which runtime ran it.")
    parser.add_argument(
        "checks", nargs="+", metavar="HANDLER=KIND", help=f"KIND is one of {', '.join(KINDS)} (fails:TEXT allowed)"
    )
    parser.add_argument("--socket", default="/run/containerd/containerd.sock")
    parser.add_argument("--image", default="localhost/cri-runtimes/busybox:test")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--cgroup-parent",
        default="",
        help="the pod cgroup parent as a kubelet sets it (a systemd slice with SystemdCgroup)",
    )
    args = parser.parse_args(argv)
    pairs = []
    for item in args.checks:
        handler, sep, kind = item.partition("=")
        kind, _sep, expect_error = kind.partition(":")
        if not sep or kind not in KINDS or not handler:
            parser.error(f"{item!r}: expected HANDLER=KIND with KIND in {KINDS}")
        pairs.append((handler, kind, expect_error))
    verifier = Verifier(args.socket, args.image, args.timeout, args.cgroup_parent)
    report: dict[str, Any] = {"version": verifier.version(), "results": []}
    for handler, kind, expect_error in pairs:
        report["results"].append(verifier.check(handler, kind, expect_error))
    report["ok"] = all(r["ok"] for r in report["results"])
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
