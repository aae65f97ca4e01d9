# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HPACK header block decoding (RFC 7541), standard library only, for the small CRI client.

A gRPC server reports a failed call in HTTP/2 trailers (``grpc-status``, ``grpc-message``).
Go's HTTP/2 stack (containerd) and gRPC C-core encode them with Huffman coding and
incremental indexing, so reading them needs the whole decoder: the static table (RFC 7541
Appendix A), a dynamic table that lives as long as the connection (section 2.3, 4), the
integer and string representations (5.1, 5.2), every header field representation (6.1-6.3)
and the Huffman code (Appendix B).

The Huffman code of Appendix B is canonical: within one code length the codes follow the
symbol order, and each length's first code follows the previous length's last code shifted
left. So the table is written here as the 257 code lengths only (symbols 0-255, then EOS),
and the codes are derived; the unit tests check a few codes against the RFC's table and
decode what grpcio's encoder writes.
"""

from __future__ import annotations

# RFC 7541 Appendix A: the static table, index 1..61 (name, value)
STATIC_TABLE: tuple[tuple[str, str], ...] = (
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
)

# RFC 7541 Appendix B: the code length in bits of symbols 0..255, then EOS (256)
HUFFMAN_LENGTHS: tuple[int, ...] = (
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
    30,
)  # fmt: skip
EOS = 256
# RFC 7541 section 4.2 / RFC 9113 section 6.5.2: SETTINGS_HEADER_TABLE_SIZE starts at 4096
DEFAULT_TABLE_SIZE = 4096
ENTRY_OVERHEAD = 32  # RFC 7541 section 4.1


class HPACKError(Exception):
    """A header block this decoder cannot read (a COMPRESSION_ERROR in RFC 9113's terms)."""


def huffman_codes() -> dict[int, tuple[int, int]]:
    """symbol -> (code, length): the canonical code of the lengths above."""
    order = sorted(range(len(HUFFMAN_LENGTHS)), key=lambda s: (HUFFMAN_LENGTHS[s], s))
    codes: dict[int, tuple[int, int]] = {}
    code, length = 0, HUFFMAN_LENGTHS[order[0]]
    for symbol in order:
        code <<= HUFFMAN_LENGTHS[symbol] - length
        length = HUFFMAN_LENGTHS[symbol]
        codes[symbol] = (code, length)
        code += 1
    return codes


_DECODE: dict[tuple[int, int], int] = {(code, length): sym for sym, (code, length) in huffman_codes().items()}
_MAX_LENGTH = max(HUFFMAN_LENGTHS)


def huffman_decode(data: bytes) -> bytes:
    """RFC 7541 section 5.2: decode, refusing EOS and padding that is longer than 7 bits or not all ones."""
    out = bytearray()
    code = length = 0
    for byte in data:
        for shift in range(7, -1, -1):
            code = (code << 1) | ((byte >> shift) & 1)
            length += 1
            symbol = _DECODE.get((code, length))
            if symbol is not None:
                if symbol == EOS:
                    raise HPACKError("a Huffman-coded string contains EOS")
                out.append(symbol)
                code = length = 0
            elif length > _MAX_LENGTH:
                raise HPACKError("an invalid Huffman code")
    if length > 7 or code != (1 << length) - 1:
        raise HPACKError("invalid padding at the end of a Huffman-coded string")
    return bytes(out)


def huffman_encode(data: bytes) -> bytes:
    """The encoder's side of Appendix B (used by the tests and for symmetry, not by the client)."""
    codes = huffman_codes()
    bits = nbits = 0
    for byte in data:
        code, length = codes[byte]
        bits = (bits << length) | code
        nbits += length
    pad = -nbits % 8
    bits = (bits << pad) | ((1 << pad) - 1)
    return (bits.to_bytes((nbits + pad) // 8, "big")) if nbits else b""


def decode_int(block: bytes, pos: int, prefix_bits: int) -> tuple[int, int]:
    """RFC 7541 section 5.1: an integer with an N-bit prefix starting at block[pos]; (value, next pos)."""
    if pos >= len(block):
        raise HPACKError("a header block ends inside an integer")
    limit = (1 << prefix_bits) - 1
    value = block[pos] & limit
    pos += 1
    if value < limit:
        return value, pos
    shift = 0
    while True:
        if pos >= len(block):
            raise HPACKError("a header block ends inside an integer")
        byte = block[pos]
        pos += 1
        value += (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos
        if shift > 63:
            raise HPACKError("an integer in a header block is too large")


def decode_string(block: bytes, pos: int) -> tuple[bytes, int]:
    """RFC 7541 section 5.2: H bit, 7-bit prefixed length, the octets."""
    if pos >= len(block):
        raise HPACKError("a header block ends before a string")
    huffman = bool(block[pos] & 0x80)
    length, pos = decode_int(block, pos, 7)
    if pos + length > len(block):
        raise HPACKError("a string runs past the end of the header block")
    raw = block[pos : pos + length]
    return (huffman_decode(raw) if huffman else raw), pos + length


class Decoder:
    """One connection's HPACK decoding context (its dynamic table lives as long as the connection)."""

    def __init__(self, max_size: int = DEFAULT_TABLE_SIZE) -> None:
        self.max_size = max_size  # the limit our SETTINGS allow (we never change the default)
        self.size_limit = max_size  # the size the encoder chose (section 6.3)
        self.dynamic: list[tuple[str, str]] = []  # newest first (section 2.3.3)
        self.size = 0

    def _evict(self) -> None:
        while self.size > self.size_limit and self.dynamic:
            name, value = self.dynamic.pop()
            self.size -= len(name.encode()) + len(value.encode()) + ENTRY_OVERHEAD

    def _add(self, name: str, value: str) -> None:
        # section 4.4: an entry larger than the table empties it and is not added
        self.dynamic.insert(0, (name, value))
        self.size += len(name.encode()) + len(value.encode()) + ENTRY_OVERHEAD
        self._evict()

    def entry(self, index: int) -> tuple[str, str]:
        """Section 2.3.3: 1..61 static, 62.. dynamic (newest first)."""
        if 1 <= index <= len(STATIC_TABLE):
            return STATIC_TABLE[index - 1]
        dyn = index - len(STATIC_TABLE) - 1
        if index >= 1 and dyn < len(self.dynamic):
            return self.dynamic[dyn]
        raise HPACKError(f"header table index {index} does not exist (dynamic table: {len(self.dynamic)} entries)")

    def decode(self, block: bytes) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        pos = 0
        while pos < len(block):
            first = block[pos]
            if first & 0x80:  # 6.1 indexed header field
                index, pos = decode_int(block, pos, 7)
                if index == 0:
                    raise HPACKError("indexed header field with index 0")
                headers.append(self.entry(index))
                continue
            if first & 0xE0 == 0x20:  # 6.3 dynamic table size update
                size, pos = decode_int(block, pos, 5)
                if size > self.max_size:
                    raise HPACKError(f"dynamic table size update to {size} exceeds {self.max_size}")
                self.size_limit = size
                self._evict()
                continue
            # 6.2.1 with incremental indexing (01, 6-bit index); 6.2.2 without / 6.2.3 never indexed (0000/0001, 4-bit)
            indexing = bool(first & 0x40)
            index, pos = decode_int(block, pos, 6 if indexing else 4)
            if index:
                name = self.entry(index)[0]
            else:
                raw_name, pos = decode_string(block, pos)
                name = raw_name.decode("utf-8", "replace")
            raw_value, pos = decode_string(block, pos)
            value = raw_value.decode("utf-8", "replace")
            if indexing:
                self._add(name, value)
            headers.append((name, value))
        return headers
