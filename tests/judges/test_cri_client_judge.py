# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real containerd (Debian's 1.7.24 and 2.1.9, Go's gRPC and HTTP/2) judges the CRI client's error path.

Each generation runs on this host with its own root, state and socket under a temporary
directory (nothing of the host's containerd is touched) and a sandbox image that cannot be
pulled (``localhost:1``, refused at once). Through cri_sandbox_check's logic:

- an unknown handler: containerd's own message (``no runtime for "..." is configured``) comes
  back exact, decoded from Go's HPACK encoder, which codes the trailers with Huffman;
- the default handler: ``failed to get sandbox image`` with the hint the module gives;
- no sandbox is left behind.

Real sandboxes (runc, crun, gVisor, Kata's missing shim) are Molecule's upgrade scenario.
Skips without root or without the cached binaries (``scripts/setup`` fetches them).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _cri_client as cri
from ansible_collections.cri.runtimes.plugins.module_utils import _cri_sandbox_check as check
from tests.unit.plugins.module_utils import hpack_spy

from .test_containerd_judge import BINARIES

SANDBOX_IMAGE = "localhost:1/cri-runtimes/pause:unreachable"
# the daemon's own root, state and sockets under the test's directory (both generations read these keys)
PRIVATE = """root = "{d}/root"
state = "{d}/state"
[grpc]
  address = "{d}/containerd.sock"
[ttrpc]
  address = "{d}/containerd.sock.ttrpc"
"""
CONFIGS = {
    # containerd 1.7 reads version 2 (the CRI plugin's sandbox_image); 2.1 reads version 3 (pinned_images)
    "1.7": "version = 2\n" + PRIVATE + '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "{image}"\n',
    "2.1": "version = 3\n" + PRIVATE + '[plugins."io.containerd.cri.v1.images".pinned_images]\n  sandbox = "{image}"\n',
}


@pytest.fixture(params=sorted(CONFIGS))
def containerd(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    gen = request.param
    if os.geteuid() != 0:
        pytest.skip("containerd needs root to start")
    if gen not in BINARIES:
        pytest.skip(f"no cached containerd {gen} (judges.txt under the containerd debs cache)")
    # a short path: a unix socket path is limited to 108 bytes
    directory = Path(tmp_path_factory.mktemp(f"ctrd{gen}", numbered=True))
    config = directory / "config.toml"
    config.write_text(CONFIGS[gen].format(d=directory, image=SANDBOX_IMAGE))
    log = (directory / "containerd.log").open("w")
    proc = subprocess.Popen([str(BINARIES[gen]), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    sock = str(directory / "containerd.sock")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                cri.list_pod_sandboxes(sock, timeout=5)
                break
            except cri.CRIError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(
                        f"containerd {gen} did not serve CRI: {(directory / 'containerd.log').read_text()[-3000:]}"
                    )
                time.sleep(0.3)
        yield gen, sock
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["umount", "-R", str(directory / "root")], capture_output=True, check=False)


def test_containerd_s_own_errors_come_back_exact(containerd: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    gen, sock = containerd
    huffman = hpack_spy.record_huffman(monkeypatch)
    got = check.check_handlers(check.Client(sock, timeout=30), ["nope-handler", ""])
    assert got["ok_handlers"] == []
    assert got["failed_handlers"] == ["nope-handler", ""]
    unknown, default = got["results"]
    assert unknown["grpc_status"] == "UNKNOWN"
    if gen == "1.7":
        # containerd 1.7 gets the sandbox image before it looks the handler up (pkg/cri/server/sandbox_run.go)
        assert f'failed to get sandbox image "{SANDBOX_IMAGE}"' in unknown["error"], unknown
    else:
        assert unknown["error"].endswith('no runtime for "nope-handler" is configured'), unknown
        assert unknown["hint"] == ""
    assert f'failed to get sandbox image "{SANDBOX_IMAGE}"' in default["error"], default
    assert default["hint"] == check.SANDBOX_IMAGE_HINT
    # Go's HPACK encoder coded containerd's message with Huffman: the decoder really ran on it
    assert any(unknown["error"].encode() in h for h in huffman), huffman
    # nothing left behind (containerd may keep a sandbox record of a failed start: the check removes it)
    assert [s for s in cri.list_pod_sandboxes(sock) if s.namespace == check.DEFAULT_NAMESPACE] == []
    print(f"containerd {gen}: {got['msg']}")
