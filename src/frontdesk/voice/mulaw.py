"""G.711 μ-law (8 kHz telephone audio) ↔ 16-bit linear PCM (resampling: ``resample.py``).

Table-based (``audioop`` is deprecated and gone in Python 3.13; numpy indexes the tables): one
256-entry table decodes, one 16,384-entry table (indexed by the sample's top 14 bits,
which is all μ-law keeps) encodes. The formulas are the G.711 reference ones (the
public-domain Sun ``g711.c``): bias 0x84, eight segments, the code word inverted.
PCM is little-endian signed 16-bit mono, as the speech models read and write it.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

BIAS = 0x84  # 132: added before the segment search so every segment has 16 even steps
CLIP = 8159  # the largest 14-bit magnitude μ-law can carry
_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
SILENCE = 0xFF  # the code of linear 0


def decode_sample(code: int) -> int:
    """One μ-law byte → a 16-bit linear sample (G.711 ``ulaw2linear``)."""
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + BIAS) << ((code & 0x70) >> 4)
    return BIAS - magnitude if code & 0x80 else magnitude - BIAS


def encode_sample(sample: int) -> int:
    """One 16-bit linear sample → a μ-law byte (G.711 ``linear2ulaw`` on 14 bits)."""
    value = sample >> 2
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, CLIP) + (BIAS >> 2)
    for segment, end in enumerate(_SEGMENT_ENDS):
        if value <= end:
            return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask
    return 0x7F ^ mask  # unreachable after the clip; kept as the reference has it


_DECODE = array("h", (decode_sample(c) for c in range(256)))
# Indexed by (sample >> 2) & 0x3FFF: the 14-bit two's-complement value μ-law encodes.
_ENCODE = bytes(encode_sample((i - 0x4000 if i & 0x2000 else i) << 2) for i in range(0x4000))
# The same tables as numpy arrays: a whole frame is one indexing operation (a call
# decodes 50 frames a second; at a few hundred calls per process the loop would show).
_DECODE_NP = np.array(_DECODE, dtype="<i2")
_ENCODE_NP = np.frombuffer(_ENCODE, dtype=np.uint8)


def decode(mulaw: bytes) -> bytes:
    """μ-law bytes → 16-bit PCM at the same rate (twice as many bytes)."""
    return bytes(_DECODE_NP[np.frombuffer(mulaw, dtype=np.uint8)].tobytes())


def encode(pcm: bytes) -> bytes:
    """16-bit PCM → μ-law bytes at the same rate."""
    if len(pcm) % 2:
        raise ValueError("16-bit PCM has an even number of bytes")
    samples = np.frombuffer(pcm, dtype="<i2")
    return bytes(_ENCODE_NP[(samples >> 2) & 0x3FFF].tobytes())


def rms(pcm: bytes) -> float:
    """The root-mean-square level of 16-bit PCM (0 for no samples)."""
    if len(pcm) % 2:
        raise ValueError("16-bit PCM has an even number of bytes")
    if not pcm:
        return 0.0
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    # A dot product, not np.mean of the squares: a quarter of the time on a 20 ms frame,
    # and every caller frame of every call is measured.
    return math.sqrt(float(samples.dot(samples)) / len(samples))
