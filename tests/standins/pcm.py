"""Audio the speech stand-ins answer with and check: real PCM16, no library needed."""

from __future__ import annotations

import math
import struct
from functools import lru_cache

MS_PER_CHARACTER = 60  # roughly how long a voice takes over one character of text


@lru_cache(maxsize=64)  # the same reply twice costs no second synthesis (benchmarks)
def tone(seconds: float, sample_rate: int, hz: float = 440.0, level: int = 8000) -> bytes:
    """A sine tone as PCM16 little-endian mono: loud enough for any voice detector."""
    count = round(seconds * sample_rate)
    step = 2 * math.pi * hz / sample_rate
    return struct.pack(f"<{count}h", *(round(level * math.sin(step * i)) for i in range(count)))


def speech_length(text: str) -> float:
    """Seconds a stand-in voice "speaks" ``text`` for: proportional to its length."""
    return len(text) * MS_PER_CHARACTER / 1000


def chunks(audio: bytes, parts: int) -> list[bytes]:
    """``audio`` cut in ``parts`` pieces of odd sizes (a real stream splits anywhere,
    even inside a sample), so a client must put samples back together."""
    size = max(1, len(audio) // parts) | 1
    return [audio[i:i + size] for i in range(0, len(audio), size)]
