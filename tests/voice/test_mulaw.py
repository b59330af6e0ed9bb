"""μ-law against the G.711 reference values, and the 8k ↔ 16k resampling."""

from __future__ import annotations

import struct

import pytest

from frontdesk.voice import mulaw


def pcm(*samples: int) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def samples(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 2}h", data))


@pytest.mark.parametrize(("code", "linear"), [
    (0x00, -32124), (0x80, 32124),  # the loudest codes
    (0xFF, 0), (0x7F, 0),  # the two zeros
    (0xFE, 8), (0x7E, -8),  # the smallest steps
    (0xF0, 120), (0xEF, 132), (0xE0, 372),  # segment 0 ends, segment 1 begins
    (0x8F, 16764), (0x10, -15996),
])
def test_decodes_the_reference_values(code: int, linear: int) -> None:
    assert samples(mulaw.decode(bytes([code]))) == [linear]


@pytest.mark.parametrize(("linear", "code"), [
    (0, 0xFF), (-1, 0x7E), (32767, 0x80), (-32768, 0x00),
    (8, 0xFE), (-8, 0x7E), (132, 0xEF), (-132, 0x6F), (30000, 0x82), (1000, 0xCE),
])
def test_encodes_the_reference_values(linear: int, code: int) -> None:
    assert mulaw.encode(pcm(linear)) == bytes([code])


def test_every_code_survives_a_round_trip() -> None:
    every = bytes(range(256))
    again = mulaw.encode(mulaw.decode(every))
    # 0x7F (negative zero) is the one code that comes back as its twin 0xFF.
    assert again == every.replace(b"\x7f", b"\xff")


def test_decoding_is_monotonic_in_each_half() -> None:
    positive = samples(mulaw.decode(bytes(range(0xFF, 0x7F, -1))))
    assert positive == sorted(positive) and positive[0] == 0 and positive[-1] == 32124


def test_encoding_error_stays_within_a_step() -> None:
    for value in range(-32768, 32768, 97):
        back = samples(mulaw.decode(mulaw.encode(pcm(value))))[0]
        step = max(8, abs(value) // 16)  # μ-law keeps 4 bits of mantissa
        assert abs(back - max(-32124, min(32124, value))) <= step, value


def test_odd_pcm_is_refused() -> None:
    with pytest.raises(ValueError):
        mulaw.encode(b"\x00\x01\x02")


