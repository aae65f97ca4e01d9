# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small CRI client over containerd's socket, standard library only.

A node rarely has ``crictl`` (Debian does not package it) and never has ``grpcio`` for the
node's Python, so the calls the collection needs are made here: ``ListPodSandbox`` (the
in-use check before a handler goes) and ``RunPodSandbox``/``StopPodSandbox``/``RemovePodSandbox``
(the proof that a handler runs pods, module cri_sandbox_check). gRPC is HTTP/2 with a 5-byte
message prefix; requests and answers are small protobuf messages.

Facts used (no code copied):
- HTTP/2: RFC 9113 (connection preface, frame layout, SETTINGS/PING/WINDOW_UPDATE, flags,
  HEADERS padding and priority, CONTINUATION); HPACK: RFC 7541 section 6.2.2 (literal header
  field without indexing, new name) for the request headers, and the whole decoder for the
  answers (``_hpack.py``): a failed call's status is only in its trailers.
- gRPC over HTTP/2: grpc/grpc doc/PROTOCOL-HTTP2.md (``:path /<service>/<method>``,
  ``content-type: application/grpc``, ``te: trailers``, length-prefixed message, trailers
  ``grpc-status`` and percent-encoded ``grpc-message``, "Trailers-Only" answers);
  status codes: grpc/grpc doc/statuscodes.md.
- protobuf wire format: protobuf.dev/programming-guides/encoding (varints, wire types 0/2,
  proto3 leaves default values out, a map is repeated entries of key = 1, value = 2).
- CRI: kubernetes/cri-api pkg/apis/runtime/v1/api.proto, package ``runtime.v1``:
  ``ListPodSandboxResponse.items = 1``; ``PodSandbox``: ``id = 1``, ``metadata = 2``,
  ``state = 3`` (``SANDBOX_READY = 0``, ``SANDBOX_NOTREADY = 1``), ``runtime_handler = 7``;
  ``PodSandboxMetadata``: ``name = 1``, ``uid = 2``, ``namespace = 3``, ``attempt = 4``;
  the field numbers of the RunPodSandbox messages are at ``run_pod_sandbox_request``.
  (checked against the generated descriptors of PyPI's container-runtime-interface-api,
  whose classes decode what this module encodes in the unit tests).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote

from . import _hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
LIST_POD_SANDBOX = "/runtime.v1.RuntimeService/ListPodSandbox"

# frame types and flags (RFC 9113 section 6)
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY = 0x1, 0x1, 0x4, 0x8, 0x20
SETTINGS_ENABLE_PUSH, SETTINGS_INITIAL_WINDOW_SIZE = 0x2, 0x4
MAX_WINDOW = 2**31 - 1
DEFAULT_WINDOW = 65535
STREAM = 1
READY, NOTREADY = 0, 1


class CRIError(Exception):
    """The CRI call failed; the message says where and why."""


@dataclass(frozen=True)
class Sandbox:
    """One pod sandbox as CRI ListPodSandbox reports it."""

    id: str
    name: str
    namespace: str
    uid: str
    state: int
    runtime_handler: str

    @property
    def ready(self) -> bool:
        return self.state == READY

    @property
    def pod(self) -> str:
        return f"{self.namespace}/{self.name}"


# ---------------------------------------------------------------------------
# HTTP/2 frames and HPACK (request side; the answers are decoded by _hpack)
# ---------------------------------------------------------------------------
def frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream & 0x7FFFFFFF) + payload


def _hpack_int(value: int, prefix_bits: int, first: int = 0) -> bytes:
    """RFC 7541 section 5.1 integer with an N-bit prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    # the rest as base-128 groups, least significant first: the same bytes as a protobuf varint
    return bytes([first | limit]) + _pb_varint_raw(value - limit)


def hpack_literal(name: str, value: str) -> bytes:
    """Literal header field without indexing, new name, no Huffman coding (RFC 7541 6.2.2)."""
    raw_name, raw_value = name.encode("ascii"), value.encode("ascii")
    return b"\x00" + _hpack_int(len(raw_name), 7) + raw_name + _hpack_int(len(raw_value), 7) + raw_value


def request_frames(path: str, message: bytes, authority: str = "localhost") -> bytes:
    """Preface, our settings, a large receive window, and one unary gRPC request on stream 1."""
    headers = b"".join(
        hpack_literal(k, v)
        for k, v in (
            (":method", "POST"),
            (":scheme", "http"),
            (":path", path),
            (":authority", authority),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        )
    )
    settings = struct.pack(">HI", SETTINGS_ENABLE_PUSH, 0) + struct.pack(
        ">HI", SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW
    )
    body = b"\x00" + struct.pack(">I", len(message)) + message
    return (
        PREFACE
        + frame(SETTINGS, 0, 0, settings)
        + frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", MAX_WINDOW - DEFAULT_WINDOW))
        + frame(HEADERS, END_HEADERS, STREAM, headers)
        + frame(DATA, END_STREAM, STREAM, body)
    )


def _unpad(flags: int, payload: bytes) -> bytes:
    if flags & PADDED and payload:
        pad = payload[0]
        return payload[1 : len(payload) - pad]
    return payload


class _Reader:
    """Frames from a byte source (a socket's recv), one at a time."""

    def __init__(self, recv: Callable[[int], bytes]) -> None:
        self.recv = recv
        self.buf = b""

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.recv(65536)
            if not chunk:
                raise CRIError("the connection closed before the answer was complete")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def next(self) -> tuple[int, int, int, bytes]:
        head = self._exact(9)
        length = int.from_bytes(head[:3], "big")
        kind, flags = head[3], head[4]
        stream = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
        return kind, flags, stream, self._exact(length)


# gRPC status codes (grpc/grpc doc/statuscodes.md)
GRPC_STATUS = {
    0: "OK",
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}


class GRPCStatusError(CRIError):
    """The server answered the call with a gRPC status other than OK (its own message kept)."""

    def __init__(self, path: str, code: int, message: str, trailers: dict[str, str] | None = None) -> None:
        self.path = path
        self.trailers = dict(trailers or {})
        self.code = code
        self.status = GRPC_STATUS.get(code, str(code))
        self.grpc_message = message
        super().__init__(f"{path}: gRPC status {code} ({self.status}): {message or '(no message)'}")


def _header_block(kind: int, flags: int, payload: bytes) -> bytes:
    """The header block fragment of a HEADERS frame (RFC 9113 section 6.2: padding, priority)."""
    payload = _unpad(flags, payload)
    if kind == HEADERS and flags & PRIORITY:
        payload = payload[5:]
    return payload


def exchange(send: Callable[[bytes], None], recv: Callable[[int], bytes], path: str, message: bytes) -> bytes:
    """One unary gRPC call over an open byte stream; returns the response message's bytes.

    Every header block is decoded (HPACK's dynamic table is the connection's, so none may be
    skipped); the last one of the stream holds the trailers (``grpc-status``, ``grpc-message``),
    or, for a call that failed at once, the only one ("Trailers-Only", PROTOCOL-HTTP2.md).
    """
    send(request_frames(path, message))
    reader = _Reader(recv)
    decoder = _hpack.Decoder()
    data = b""
    block = b""
    blocks: list[list[tuple[str, str]]] = []
    ended = False
    while True:
        kind, flags, stream, payload = reader.next()
        if kind == SETTINGS and not flags & ACK:
            send(frame(SETTINGS, ACK, 0))
        elif kind == PING and not flags & ACK:
            send(frame(PING, ACK, 0, payload))
        elif kind == GOAWAY:
            code = int.from_bytes(payload[4:8], "big") if len(payload) >= 8 else -1
            raise CRIError(f"the server closed the connection (HTTP/2 GOAWAY, error code {code}): {payload[8:]!r}")
        elif kind == RST_STREAM and stream == STREAM:
            raise CRIError(
                f"the server reset the call (HTTP/2 RST_STREAM, error code {int.from_bytes(payload, 'big')})"
            )
        elif kind == DATA and stream == STREAM:
            data += _unpad(flags, payload)
        elif kind in (HEADERS, CONTINUATION):
            block += _header_block(kind, flags, payload) if kind == HEADERS else payload
            if flags & END_HEADERS:
                try:
                    headers = decoder.decode(block)
                except _hpack.HPACKError as exc:
                    raise CRIError(f"{path}: cannot read the answer's headers (HPACK, RFC 7541): {exc}") from None
                block = b""
                if stream == STREAM:
                    blocks.append(headers)
        if stream == STREAM and kind in (DATA, HEADERS) and flags & END_STREAM:
            ended = True
        # END_STREAM may sit on a HEADERS frame whose block goes on in CONTINUATION frames
        if ended and not block:
            break
    check_status(path, blocks)
    return grpc_message(data, path)


def check_status(path: str, blocks: list[list[tuple[str, str]]]) -> None:
    """Raise GRPCStatusError when the trailers carry a grpc-status other than 0."""
    trailers = dict(blocks[-1]) if blocks else {}
    status = trailers.get("grpc-status")
    if status is None:
        http = trailers.get(":status", "")
        if http and http != "200":
            raise CRIError(f"{path}: HTTP status {http} (not a gRPC answer)")
        return
    try:
        code = int(status)
    except ValueError:
        raise CRIError(f"{path}: grpc-status {status!r} is not a number") from None
    if code != 0:
        # grpc-message is percent-encoded UTF-8 (PROTOCOL-HTTP2.md, "Responses")
        raise GRPCStatusError(path, code, unquote(trailers.get("grpc-message", ""), errors="replace"), trailers)


def grpc_message(data: bytes, path: str) -> bytes:
    """The single length-prefixed message of a unary answer (gRPC PROTOCOL-HTTP2.md)."""
    if len(data) < 5:
        raise CRIError(f"{path} ended without a result and without a gRPC status")
    if data[0] != 0:
        raise CRIError(f"{path}: the answer is compressed (flag {data[0]}), which this client did not ask for")
    length = int.from_bytes(data[1:5], "big")
    if len(data) < 5 + length:
        raise CRIError(f"{path}: the answer is truncated ({len(data) - 5} of {length} bytes)")
    return data[5 : 5 + length]


# ---------------------------------------------------------------------------
# protobuf (the wire format: varints and length-delimited fields)
# ---------------------------------------------------------------------------
def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise CRIError("malformed protobuf answer (a varint runs past the end)")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(buf: bytes) -> list[tuple[int, object]]:
    """(field number, value) pairs of one message: ints for varints, bytes for the rest."""
    out: list[tuple[int, object]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: object
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise CRIError(f"malformed protobuf answer (wire type {wire} of field {number})")
        if pos > len(buf):
            raise CRIError(f"malformed protobuf answer (field {number} runs past the end)")
        out.append((number, value))
    return out


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def parse_sandbox(buf: bytes) -> Sandbox:
    found: dict[str, object] = {"state": READY}
    for number, value in fields(buf):
        if number == 1:
            found["id"] = _text(value)
        elif number == 2 and isinstance(value, bytes):
            for sub, subvalue in fields(value):
                key = {1: "name", 2: "uid", 3: "namespace"}.get(sub)
                if key:
                    found[key] = _text(subvalue)
        elif number == 3 and isinstance(value, int):
            found["state"] = value
        elif number == 7:
            found["runtime_handler"] = _text(value)
    state = found["state"]
    return Sandbox(
        id=str(found.get("id", "")),
        name=str(found.get("name", "")),
        namespace=str(found.get("namespace", "")),
        uid=str(found.get("uid", "")),
        state=state if isinstance(state, int) else READY,
        runtime_handler=str(found.get("runtime_handler", "")),
    )


def parse_list_pod_sandbox(buf: bytes) -> list[Sandbox]:
    return [parse_sandbox(value) for number, value in fields(buf) if number == 1 and isinstance(value, bytes)]


# ---------------------------------------------------------------------------
# protobuf (the writer's side) and the pod sandbox calls
# ---------------------------------------------------------------------------
def _key(number: int, wire: int) -> bytes:
    return _pb_varint_raw(number << 3 | wire)


def _pb_varint_raw(value: int) -> bytes:
    """A protobuf base-128 varint (protobuf.dev/programming-guides/encoding, "Base 128 Varints")."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def pb_varint(number: int, value: int) -> bytes:
    """Field ``number`` as a varint (wire type 0); proto3 leaves a zero out."""
    return _key(number, 0) + _pb_varint_raw(value) if value else b""


def pb_bytes(number: int, value: bytes | str, keep_empty: bool = False) -> bytes:
    """Field ``number`` as length-delimited (wire type 2): a string, bytes or an embedded message."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if not raw and not keep_empty:
        return b""
    return _key(number, 2) + _pb_varint_raw(len(raw)) + raw


# CRI runtime.v1 (kubernetes/cri-api pkg/apis/runtime/v1/api.proto)
NAMESPACE_MODE_NODE = 2  # enum NamespaceMode { POD = 0; CONTAINER = 1; NODE = 2; TARGET = 3; }
RUN_POD_SANDBOX = "/runtime.v1.RuntimeService/RunPodSandbox"
STOP_POD_SANDBOX = "/runtime.v1.RuntimeService/StopPodSandbox"
REMOVE_POD_SANDBOX = "/runtime.v1.RuntimeService/RemovePodSandbox"


@dataclass(frozen=True)
class SandboxSpec:
    """What RunPodSandbox gets: a host-network pod (no CNI needed) for one runtime handler."""

    name: str
    namespace: str
    uid: str
    runtime_handler: str = ""
    attempt: int = 0
    cgroup_parent: str = ""
    labels: tuple[tuple[str, str], ...] = ()


def run_pod_sandbox_request(spec: SandboxSpec) -> bytes:
    """``RunPodSandboxRequest``: ``config = 1`` (PodSandboxConfig), ``runtime_handler = 2``."""
    # PodSandboxMetadata: name = 1, uid = 2, namespace = 3, attempt = 4 (uint32)
    metadata = pb_bytes(1, spec.name) + pb_bytes(2, spec.uid) + pb_bytes(3, spec.namespace) + pb_varint(4, spec.attempt)
    # NamespaceOption: network = 1 (NODE: the host's network, so no CNI plugin is involved)
    namespace_options = pb_varint(1, NAMESPACE_MODE_NODE)
    # LinuxSandboxSecurityContext: namespace_options = 1
    security_context = pb_bytes(1, namespace_options, keep_empty=True)
    # LinuxPodSandboxConfig: cgroup_parent = 1, security_context = 2
    linux = pb_bytes(1, spec.cgroup_parent) + pb_bytes(2, security_context, keep_empty=True)
    # PodSandboxConfig: metadata = 1, labels = 6 (map<string,string>: entries of key = 1, value = 2), linux = 8
    labels = b"".join(pb_bytes(6, pb_bytes(1, k) + pb_bytes(2, v), keep_empty=True) for k, v in spec.labels)
    config = pb_bytes(1, metadata, keep_empty=True) + labels + pb_bytes(8, linux, keep_empty=True)
    return pb_bytes(1, config, keep_empty=True) + pb_bytes(2, spec.runtime_handler)


def pod_sandbox_id_request(sandbox_id: str) -> bytes:
    """``StopPodSandboxRequest`` and ``RemovePodSandboxRequest``: ``pod_sandbox_id = 1``."""
    return pb_bytes(1, sandbox_id)


def parse_run_pod_sandbox(buf: bytes) -> str:
    """``RunPodSandboxResponse``: ``pod_sandbox_id = 1``."""
    for number, value in fields(buf):
        if number == 1:
            return _text(value)
    return ""


Connect = Callable[[str], socket.socket]


def call(socket_path: str, path: str, message: bytes, timeout: float = 10.0, connect: Connect | None = None) -> bytes:
    """One unary call on its own connection; errors name the socket and the method."""
    method = path.rsplit("/", 1)[-1]
    try:
        sock = connect(socket_path) if connect else _unix(socket_path, timeout)
    except OSError as exc:
        raise CRIError(f"cannot connect to the CRI socket {socket_path}: {exc}") from None
    try:
        return exchange(sock.sendall, sock.recv, path, message)
    except socket.timeout:
        raise CRIError(f"CRI {method} on {socket_path}: no answer within {timeout:g}s") from None
    except OSError as exc:
        raise CRIError(f"CRI {method} on {socket_path} failed: {exc}") from None
    except GRPCStatusError as exc:
        raise GRPCStatusError(f"CRI {method} on {socket_path}", exc.code, exc.grpc_message, exc.trailers) from None
    except CRIError as exc:
        raise CRIError(f"CRI {method} on {socket_path}: {exc}") from None
    finally:
        sock.close()


def list_pod_sandboxes(socket_path: str, timeout: float = 10.0, connect: Connect | None = None) -> list[Sandbox]:
    """Every pod sandbox the CRI service on ``socket_path`` knows (ready or not)."""
    return parse_list_pod_sandbox(call(socket_path, LIST_POD_SANDBOX, b"", timeout, connect))


def run_pod_sandbox(socket_path: str, spec: SandboxSpec, timeout: float = 60.0, connect: Connect | None = None) -> str:
    """Start a pod sandbox; its id."""
    return parse_run_pod_sandbox(call(socket_path, RUN_POD_SANDBOX, run_pod_sandbox_request(spec), timeout, connect))


def stop_pod_sandbox(socket_path: str, sandbox_id: str, timeout: float = 60.0, connect: Connect | None = None) -> None:
    call(socket_path, STOP_POD_SANDBOX, pod_sandbox_id_request(sandbox_id), timeout, connect)


def remove_pod_sandbox(
    socket_path: str, sandbox_id: str, timeout: float = 60.0, connect: Connect | None = None
) -> None:
    call(socket_path, REMOVE_POD_SANDBOX, pod_sandbox_id_request(sandbox_id), timeout, connect)


def _unix(path: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock
