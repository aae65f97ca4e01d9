# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cri_sandbox_check against a CRI runtime served by grpcio (the real gRPC stack, cri-api's generated classes).

The runtime here keeps its sandboxes in a dict, so the tests can see that the module leaves none
behind: after a handler that ran, after one that failed, after a stop that failed and after a
RunPodSandbox whose answer came too late. Molecule's upgrade scenario runs the module against
containerd 1.7 and 2.1 (Go's gRPC) with runc, crun, gVisor and Kata handlers.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import pytest
from ansible.module_utils import basic

from ansible_collections.cri.runtimes.plugins.module_utils import _cri_sandbox_check as check
from ansible_collections.cri.runtimes.plugins.modules import cri_sandbox_check

from .runner import ModuleFail, run_module

grpc = pytest.importorskip("grpc", reason="grpcio is in the tool venv (requirements/lock-*.txt); not on this Python")
cri_api = pytest.importorskip("cri_api", reason="container-runtime-interface-api is in the tool venv only")

KATA_ERROR = (
    "failed to create containerd task: failed to create shim task: failed to start shim: start failed: runtime "
    '"io.containerd.kata.v2" binary not installed "containerd-shim-kata-v2": file does not exist: unknown'
)
IMAGE_ERROR = (
    'failed to get sandbox image "registry.k8s.io/pause:3.10": failed to pull image "registry.k8s.io/pause:3.10": '
    "dial tcp: lookup registry.k8s.io: no such host"
)


class Runtime(cri_api.RuntimeServiceServicer):  # type: ignore[misc,name-defined]
    def __init__(self) -> None:
        self.sandboxes: dict[str, Any] = {}
        self.calls: list[tuple[str, str]] = []
        self.made: list[Any] = []
        self.lock = threading.Lock()

    def RunPodSandbox(self, request: Any, context: Any) -> Any:
        handler = request.runtime_handler
        self.calls.append(("run", handler))
        if handler.startswith("kata"):
            context.abort(grpc.StatusCode.UNKNOWN, KATA_ERROR)
        if handler == "no-image":
            context.abort(grpc.StatusCode.UNKNOWN, IMAGE_ERROR)
        sandbox_id = f"sb-{len(self.calls)}"
        with self.lock:
            self.sandboxes[sandbox_id] = request.config
            self.made.append(request.config)
        if handler == "slow":
            time.sleep(1.5)  # the sandbox exists, the answer comes after the client gave up
        return cri_api.RunPodSandboxResponse(pod_sandbox_id=sandbox_id)

    def StopPodSandbox(self, request: Any, context: Any) -> Any:
        self.calls.append(("stop", request.pod_sandbox_id))
        config = self.sandboxes.get(request.pod_sandbox_id)
        if config is not None and config.labels.get("cri.runtimes/probe-handler") == "stuck":
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "failed to stop sandbox container: context deadline")
        return cri_api.StopPodSandboxResponse()

    def RemovePodSandbox(self, request: Any, context: Any) -> Any:
        self.calls.append(("remove", request.pod_sandbox_id))
        with self.lock:
            self.sandboxes.pop(request.pod_sandbox_id, None)
        return cri_api.RemovePodSandboxResponse()

    def ListPodSandbox(self, request: Any, context: Any) -> Any:
        with self.lock:
            items = [
                cri_api.PodSandbox(id=i, metadata=c.metadata, runtime_handler="") for i, c in self.sandboxes.items()
            ]
        return cri_api.ListPodSandboxResponse(items=items)


@pytest.fixture
def runtime() -> Iterator[tuple[Runtime, str]]:
    directory = tempfile.mkdtemp(prefix="cri-sandbox-")
    path = os.path.join(directory, "cri.sock")
    servicer = Runtime()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    cri_api.add_RuntimeServiceServicer_to_server(servicer, server)
    server.add_insecure_port(f"unix://{path}")
    server.start()
    try:
        yield servicer, path
    finally:
        server.stop(0)
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(directory)


def test_each_handler_runs_and_is_removed_failures_carry_the_runtimes_message(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    got = run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["runc", "kata-qemu", "", "crun"]})
    assert got["changed"] is False
    assert got["ok_handlers"] == ["runc", "", "crun"]
    assert got["failed_handlers"] == ["kata-qemu"]
    assert got["errors"] == {"kata-qemu": KATA_ERROR}
    kata = got["results"][1]
    assert (kata["grpc_status"], kata["sandbox_id"], kata["removed"]) == ("UNKNOWN", "", [])
    assert got["msg"] == (
        f"runc: ran a sandbox; kata-qemu: FAILED (UNKNOWN: {KATA_ERROR}); (default): ran a sandbox; crun: ran a sandbox"
    )
    # every sandbox was stopped and removed; the runtime has none left
    assert servicer.sandboxes == {}
    assert [c for c in servicer.calls if c[0] == "run"] == [("run", h) for h in ("runc", "kata-qemu", "", "crun")]
    for result in got["results"]:
        if result["ok"]:
            assert result["removed"] == [result["sandbox_id"]]
            assert ("stop", result["sandbox_id"]) in servicer.calls
    assert got["cleanup_errors"] == []


def test_the_sandboxes_say_who_made_them(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["runsc"], "cgroup_parent": "system.slice"})
    (config,) = servicer.made
    assert (config.metadata.name, config.metadata.namespace) == ("probe-runsc", "cri-runtimes-verify")
    assert config.labels["app.kubernetes.io/managed-by"] == "cri.runtimes"
    assert config.linux.cgroup_parent == "system.slice"
    assert config.linux.security_context.namespace_options.network == cri_api.NamespaceMode.NODE


def test_a_failed_stop_still_removes(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    got = run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["stuck"]})
    assert got["ok_handlers"] == ["stuck"]
    (result,) = got["results"]
    assert result["removed"] == [result["sandbox_id"]]
    assert result["cleanup_errors"] == [
        f"{result['sandbox_id']}: CRI StopPodSandbox on {path}: gRPC status 4 (DEADLINE_EXCEEDED): "
        "failed to stop sandbox container: context deadline"
    ]
    assert servicer.sandboxes == {}


def test_a_sandbox_whose_answer_came_too_late_is_found_and_removed(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    got = run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["slow"], "timeout": 0.5})
    assert got["failed_handlers"] == ["slow"]
    assert got["errors"]["slow"] == f"CRI RunPodSandbox on {path}: no answer within 0.5s"
    (result,) = got["results"]
    assert len(result["removed"]) == 1
    time.sleep(1.2)  # let the slow call finish on the server
    assert servicer.sandboxes == {}


def test_a_missing_sandbox_image_is_named(runtime: tuple[Runtime, str]) -> None:
    _servicer, path = runtime
    got = run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["no-image"]})
    assert got["results"][0]["hint"].startswith("containerd could not get its sandbox (pause) image")
    assert "ctr -n k8s.io images import" in got["results"][0]["hint"]


def test_check_mode_runs_nothing(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    got = run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["runc"]}, check=True)
    assert got["changed"] is False
    assert got["skipped_check_mode"] is True
    assert got["msg"].startswith("check mode: would run a pod sandbox for each of ['runc']")
    assert servicer.calls == []


def test_no_socket_fails_naming_it(tmp_path: Any) -> None:
    with pytest.raises(ModuleFail) as caught:
        run_module(cri_sandbox_check.main, {"socket": str(tmp_path / "none.sock"), "handlers": ["runc"]})
    assert caught.value.result["msg"].startswith(f"cannot connect to the CRI socket {tmp_path}/none.sock")


@pytest.mark.parametrize(
    ("handler", "name"),
    [
        ("", "probe-default"),
        ("kata-qemu", "probe-kata-qemu"),
        ("Nvidia_CTK", "probe-nvidia-ctk"),
        ("x" * 80, "probe-" + "x" * 57),
    ],
)
def test_sandbox_names(handler: str, name: str) -> None:
    assert check.sandbox_name(handler) == name


def test_warn_names_each_failed_handler_with_the_runtimes_error(
    runtime: tuple[Runtime, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _servicer, path = runtime
    warnings: list[str] = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["runc", "kata-clh", "no-image"], "warn": True})
    assert warnings == [
        f"handler kata-clh cannot run a pod sandbox: {KATA_ERROR}",
        f"handler no-image cannot run a pod sandbox: {IMAGE_ERROR} ({check.SANDBOX_IMAGE_HINT})",
    ]
    warnings.clear()
    run_module(cri_sandbox_check.main, {"socket": path, "handlers": ["kata-clh"]})
    assert warnings == []
