# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HPACK (RFC 7541) decoding on its own, with the RFC's own examples (Appendix C) and table rows.

grpcio's encoder judges the decoder in test_cri_client.py; containerd's (Go) in Molecule's upgrade scenario.
These tests need no grpcio, so they run on the managed-node floor (Python 3.9) too.
"""

from __future__ import annotations

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _hpack as hpack


# ---------------------------------------------------------------------------
def test_huffman_codes_are_the_rfcs() -> None:
    codes = hpack.huffman_codes()
    # RFC 7541 Appendix B rows: '0' 00000 (5), 'a' 00011 (5), ' ' 010100 (6), 0 1ff8 (13), 10 3ffffffc (30), EOS
    assert codes[ord("0")] == (0x0, 5)
    assert codes[ord("a")] == (0x3, 5)
    assert codes[ord(" ")] == (0x14, 6)
    assert codes[0] == (0x1FF8, 13)
    assert codes[10] == (0x3FFFFFFC, 30)
    assert codes[255] == (0x3FFFFEE, 26)
    assert codes[hpack.EOS] == (0x3FFFFFFF, 30)
    assert len(set(codes.values())) == 257


def test_huffman_rfc_examples_and_round_trip() -> None:
    # RFC 7541 C.4.1: "www.example.com"; C.6.1: "Mon, 21 Oct 2013 20:13:21 GMT"
    assert hpack.huffman_decode(bytes.fromhex("f1e3c2e5f23a6ba0ab90f4ff")) == b"www.example.com"
    assert hpack.huffman_decode(bytes.fromhex("d07abe941054d444a8200595040b8166e082a62d1bff")) == (
        b"Mon, 21 Oct 2013 20:13:21 GMT"
    )
    every_byte = bytes(range(256))
    assert hpack.huffman_decode(hpack.huffman_encode(every_byte)) == every_byte
    assert hpack.huffman_encode(b"www.example.com").hex() == "f1e3c2e5f23a6ba0ab90f4ff"


def test_huffman_refuses_bad_padding() -> None:
    with pytest.raises(hpack.HPACKError, match="padding"):
        hpack.huffman_decode(bytes.fromhex("f1e3c2e5f23a6ba0ab90f4ff") + b"\xff")  # 8 bits of padding
    with pytest.raises(hpack.HPACKError, match="padding"):
        hpack.huffman_decode(b"\x00")  # '0' then 3 zero bits


def test_decoder_rfc_c4_requests_share_the_dynamic_table() -> None:
    """RFC 7541 C.4: three requests with Huffman coding on one connection."""
    decoder = hpack.Decoder()
    first = decoder.decode(bytes.fromhex("828684418cf1e3c2e5f23a6ba0ab90f4ff"))
    assert first == [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")]
    assert decoder.size == 57
    second = decoder.decode(bytes.fromhex("828684be5886a8eb10649cbf"))
    assert second[-1] == ("cache-control", "no-cache")
    assert second[3] == (":authority", "www.example.com")
    third = decoder.decode(bytes.fromhex("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"))
    assert third == [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/index.html"),
        (":authority", "www.example.com"),
        ("custom-key", "custom-value"),
    ]
    assert decoder.size == 164


def test_decoder_rfc_c6_responses_evict_and_size_updates() -> None:
    """RFC 7541 C.6 with a 256-byte table: entries are evicted as the table fills."""
    decoder = hpack.Decoder()
    decoder.decode(b"\x3f\xe1\x01")  # dynamic table size update to 256 (6.3)
    decoder.decode(
        bytes.fromhex(
            "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3"
        )
    )
    assert decoder.size == 222
    second = decoder.decode(bytes.fromhex("4883640effc1c0bf"))
    assert second[0] == (":status", "307")
    assert second[3] == ("location", "https://www.example.com")
    assert decoder.size == 222
    with pytest.raises(hpack.HPACKError, match="index 99 does not exist"):
        decoder.decode(bytes([0x80 | 99]))  # indexed header field 99: 61 static + 4 dynamic entries only


def test_decoder_refuses_truncated_blocks() -> None:
    with pytest.raises(hpack.HPACKError, match="runs past the end"):
        hpack.Decoder().decode(b"\x40\x0acustom")
    with pytest.raises(hpack.HPACKError, match="index 0"):
        hpack.Decoder().decode(b"\x80")
