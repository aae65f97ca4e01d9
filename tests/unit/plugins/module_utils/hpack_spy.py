# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record what the HPACK decoder's Huffman path decodes, so a test can show it really ran.

Shared by the grpcio tests (test_cri_client.py) and the real-containerd judge
(tests/judges/test_cri_client_judge.py).
"""

from __future__ import annotations

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _hpack as hpack


def record_huffman(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every string ``_hpack.huffman_decode`` returns from now on, in order (it still decodes)."""
    decoded: list[bytes] = []
    real = hpack.huffman_decode

    def spy(data: bytes) -> bytes:
        decoded.append(real(data))
        return decoded[-1]

    monkeypatch.setattr(hpack, "huffman_decode", spy)
    return decoded
