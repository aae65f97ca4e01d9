# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small CRI client against a real gRPC server (grpcio) speaking the real CRI API (cri_api).

Our client writes HTTP/2 and reads protobuf by hand; the judge is grpcio's own HTTP/2 stack
and the protobuf encoder generated from kubernetes/cri-api's api.proto (PyPI
container-runtime-interface-api), not a server of ours. The lab proves it against
containerd's Go gRPC (tests/e2e/test_removal.py).
"""

from __future__ import annotations

import base64
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _cri_client as cri

from . import hpack_spy

grpc = pytest.importorskip("grpc", reason="grpcio is in the tool venv (requirements/lock-*.txt); not on this Python")
cri_api = pytest.importorskip("cri_api", reason="container-runtime-interface-api is in the tool venv only")


class Runtime(cri_api.RuntimeServiceServicer):  # type: ignore[misc,name-defined]
    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.requests: list[Any] = []

    def ListPodSandbox(self, request: Any, context: Any) -> Any:
        self.requests.append(request)
        return cri_api.ListPodSandboxResponse(items=self.items)


def _serve(servicer: Any | None) -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="cri-client-")
    path = os.path.join(directory, "cri.sock")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    if servicer is not None:
        cri_api.add_RuntimeServiceServicer_to_server(servicer, server)
    server.add_insecure_port(f"unix://{path}")
    server.start()
    try:
        yield path
    finally:
        server.stop(0)
        os.unlink(path) if os.path.exists(path) else None
        os.rmdir(directory)


def _sandbox(name: str, namespace: str, handler: str, state: int = 0, **extra: Any) -> Any:
    return cri_api.PodSandbox(
        id=f"{namespace}-{name}-id",
        metadata=cri_api.PodSandboxMetadata(name=name, namespace=namespace, uid=f"uid-{name}", attempt=1),
        state=state,
        created_at=1_700_000_000_000_000_000,
        runtime_handler=handler,
        **extra,
    )


@pytest.fixture
def runtime() -> Iterator[tuple[Runtime, str]]:
    servicer = Runtime([])
    for path in _serve(servicer):
        yield servicer, path


def test_lists_each_sandbox_with_its_handler_and_state(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    servicer.items = [
        _sandbox("web", "default", "crun", labels={"app": "web"}, annotations={"a": "b"}),
        _sandbox("old", "kube-system", "", state=1),
    ]
    got = cri.list_pod_sandboxes(path)
    assert got == [
        cri.Sandbox("default-web-id", "web", "default", "uid-web", cri.READY, "crun"),
        cri.Sandbox("kube-system-old-id", "old", "kube-system", "uid-old", cri.NOTREADY, ""),
    ]
    assert [s.pod for s in got if s.ready] == ["default/web"]
    assert len(servicer.requests) == 1
    assert not servicer.requests[0].HasField("filter")


def test_an_answer_larger_than_the_default_window_and_frame_size(runtime: tuple[Runtime, str]) -> None:
    servicer, path = runtime
    # 300 sandboxes with 2 KiB of labels each: ~600 KiB, many DATA frames, past HTTP/2's 64 KiB window
    servicer.items = [_sandbox(f"p{i}", "ns", "runsc", labels={"l": "x" * 2048}) for i in range(300)]
    got = cri.list_pod_sandboxes(path)
    assert [s.name for s in got] == [f"p{i}" for i in range(300)]
    assert {s.runtime_handler for s in got} == {"runsc"}


def test_no_sandboxes(runtime: tuple[Runtime, str]) -> None:
    assert cri.list_pod_sandboxes(runtime[1]) == []


def test_a_server_without_the_cri_service_is_an_error_naming_socket_and_call() -> None:
    for path in _serve(None):
        with pytest.raises(
            cri.GRPCStatusError, match=r"^CRI ListPodSandbox on .*cri\.sock: gRPC status 12 \(UNIMPLEMENTED\)"
        ):
            cri.list_pod_sandboxes(path)


def test_no_socket_is_an_error_naming_it(tmp_path: Any) -> None:
    with pytest.raises(cri.CRIError, match=r"^cannot connect to the CRI socket .*/none\.sock: "):
        cri.list_pod_sandboxes(str(tmp_path / "none.sock"))


def test_a_socket_that_closes_at_once_is_an_error(tmp_path: Any) -> None:
    path = str(tmp_path / "closing.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def serve_once() -> None:
        conn = listener.accept()[0]
        conn.recv(65536)  # the request, then no answer at all
        conn.close()

    def connect(p: str) -> socket.socket:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(10)
        client.connect(p)
        threading.Thread(target=serve_once, daemon=True).start()
        return client

    with pytest.raises(cri.CRIError, match="closed before the answer was complete"):
        cri.list_pod_sandboxes(path, connect=connect)
    listener.close()


def test_protobuf_reader_refuses_truncated_input() -> None:
    with pytest.raises(cri.CRIError, match="runs past the end"):
        cri.fields(b"\x0a\x05ab")
    with pytest.raises(cri.CRIError, match="varint runs past the end"):
        cri.fields(b"\x08\xff")


def test_hpack_integer_prefix_continuation() -> None:
    # RFC 7541 C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a
    assert cri._hpack_int(1337, 5) == bytes([0x1F, 0x9A, 0x0A])
    assert cri._hpack_int(10, 5) == bytes([10])


# ---------------------------------------------------------------------------
# RunPodSandbox / StopPodSandbox / RemovePodSandbox and the trailers of a failed call
# ---------------------------------------------------------------------------
SPEC = cri.SandboxSpec(
    name="probe-kata-qemu",
    namespace="cri-runtimes-verify",
    uid="0b5e5c1e-7e0c-4c55-9a3c-1f0d2a3b4c5d",
    runtime_handler="kata-qemu",
    attempt=3,
    cgroup_parent="system.slice",
    labels=(("app.kubernetes.io/managed-by", "cri.runtimes"),),
)
# as containerd words it (pkg/cri: "failed to create containerd task: failed to start shim: ...")
# and long, with non-ASCII text, so the server's HPACK encoder uses Huffman coding and its dynamic table
DETAIL = "Kata Containers' shim ist nicht installiert: ü 日本".encode() * 4
SHIM_ERROR = (
    "failed to create containerd task: failed to create shim task: failed to start shim: "
    'start failed: runtime "io.containerd.kata.v2" binary not installed "containerd-shim-kata-v2": '
    "file does not exist: unknown — Kata Containers' shim fehlt (ü, 日本, %, \\n)"
) * 3


def test_the_request_is_what_the_generated_cri_classes_read() -> None:
    """Judge (a): kubernetes/cri-api's generated protobuf classes decode what we encode."""
    req = cri_api.RunPodSandboxRequest.FromString(cri.run_pod_sandbox_request(SPEC))
    assert req.runtime_handler == "kata-qemu"
    meta = req.config.metadata
    assert (meta.name, meta.namespace, meta.uid, meta.attempt) == (SPEC.name, SPEC.namespace, SPEC.uid, 3)
    assert dict(req.config.labels) == {"app.kubernetes.io/managed-by": "cri.runtimes"}
    assert req.config.linux.cgroup_parent == "system.slice"
    assert req.config.linux.security_context.namespace_options.network == cri_api.NamespaceMode.NODE
    assert req.config.linux.security_context.namespace_options.pid == cri_api.NamespaceMode.POD
    # nothing else is set: the sandbox is as plain as a kubelet's host-network pod
    assert [field.name for field, _value in req.config.ListFields()] == ["metadata", "labels", "linux"]
    for request in (cri_api.StopPodSandboxRequest, cri_api.RemovePodSandboxRequest):
        assert request.FromString(cri.pod_sandbox_id_request("abc123")).pod_sandbox_id == "abc123"


def test_the_default_handler_and_no_cgroup_parent_leave_those_fields_out() -> None:
    plain = cri.SandboxSpec(name="probe-default", namespace="ns", uid="u")
    req = cri_api.RunPodSandboxRequest.FromString(cri.run_pod_sandbox_request(plain))
    assert req.runtime_handler == ""
    assert req.config.linux.cgroup_parent == ""
    assert req.config.linux.security_context.namespace_options.network == cri_api.NamespaceMode.NODE
    assert cri.parse_run_pod_sandbox(cri_api.RunPodSandboxResponse(pod_sandbox_id="sb-1").SerializeToString()) == "sb-1"


class Sandboxes(cri_api.RuntimeServiceServicer):  # type: ignore[misc,name-defined]
    """A CRI runtime in grpcio: RunPodSandbox fails for handler 'kata-*' with containerd's words."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def RunPodSandbox(self, request: Any, context: Any) -> Any:
        self.calls.append(("run", request))
        if request.runtime_handler.startswith("kata"):
            # gRPC C-core codes a binary header's base64 with Huffman (its text values it sends as they are)
            context.set_trailing_metadata((("cri-detail-bin", DETAIL),))
            context.abort(grpc.StatusCode.UNKNOWN, SHIM_ERROR)
        if request.runtime_handler == "nope":
            context.abort(grpc.StatusCode.NOT_FOUND, f'no runtime for "{request.runtime_handler}" is configured')
        return cri_api.RunPodSandboxResponse(pod_sandbox_id=f"sb-{request.config.metadata.name}")

    def StopPodSandbox(self, request: Any, context: Any) -> Any:
        self.calls.append(("stop", request.pod_sandbox_id))
        return cri_api.StopPodSandboxResponse()

    def RemovePodSandbox(self, request: Any, context: Any) -> Any:
        self.calls.append(("remove", request.pod_sandbox_id))
        if request.pod_sandbox_id == "sb-stuck":
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "sandbox container is not fully stopped")
        return cri_api.RemovePodSandboxResponse()


@pytest.fixture
def sandboxes() -> Iterator[tuple[Sandboxes, str]]:
    servicer = Sandboxes()
    for path in _serve(servicer):
        yield servicer, path


def test_run_stop_remove_against_grpcio(sandboxes: tuple[Sandboxes, str]) -> None:
    """Judge (b): grpcio's server reads our requests and we read its answers."""
    servicer, path = sandboxes
    spec = cri.SandboxSpec(name="probe-runc", namespace="cri-runtimes-verify", uid="u1", runtime_handler="runc")
    sandbox_id = cri.run_pod_sandbox(path, spec)
    assert sandbox_id == "sb-probe-runc"
    cri.stop_pod_sandbox(path, sandbox_id)
    cri.remove_pod_sandbox(path, sandbox_id)
    assert [c[0] for c in servicer.calls] == ["run", "stop", "remove"]
    assert servicer.calls[0][1].runtime_handler == "runc"
    assert servicer.calls[0][1].config.metadata.namespace == "cri-runtimes-verify"
    assert servicer.calls[1:] == [("stop", "sb-probe-runc"), ("remove", "sb-probe-runc")]


def test_a_failed_call_carries_the_servers_exact_status_and_message(
    sandboxes: tuple[Sandboxes, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _servicer, path = sandboxes
    huffman = hpack_spy.record_huffman(monkeypatch)
    spec = cri.SandboxSpec(name="probe-kata-qemu", namespace="ns", uid="u", runtime_handler="kata-qemu")
    # twice on one server: grpcio's encoder may index the second answer's headers
    for _attempt in range(2):
        with pytest.raises(cri.GRPCStatusError) as caught:
            cri.run_pod_sandbox(path, spec)
        assert caught.value.code == 2
        assert caught.value.status == "UNKNOWN"
        assert caught.value.grpc_message == SHIM_ERROR
        assert str(caught.value).startswith(f"CRI RunPodSandbox on {path}: gRPC status 2 (UNKNOWN): failed to create")
        # RFC 7541 Huffman, written by gRPC C-core: the binary trailer is base64 (unpadded) of DETAIL
        assert caught.value.trailers["cri-detail-bin"] == base64.b64encode(DETAIL).decode().rstrip("=")
    assert any(h.startswith(b"S2F0YSBDb250YWluZXJz") for h in huffman), huffman  # the decoder was really used
    with pytest.raises(cri.GRPCStatusError, match=r'gRPC status 5 \(NOT_FOUND\): no runtime for "nope" is configured$'):
        cri.run_pod_sandbox(path, cri.SandboxSpec(name="p", namespace="ns", uid="u", runtime_handler="nope"))
