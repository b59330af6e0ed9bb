"""The built-in voice activity detector: the level of a frame against a threshold.

Good enough on a quiet line and needs no model; a model-based detector (Silero) plugs
in behind the same ``VoiceActivity`` Protocol. Turn-taking (how long a silence ends a
turn) is the call's business, not the detector's.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.voice import mulaw

# About -34 dBFS: above a phone line's hiss (≈ 50–200 RMS), below a voice (≈ 1,000+).
DEFAULT_THRESHOLD = 600.0


@dataclass(frozen=True, slots=True)
class EnergyVAD:
    """Speech when a frame's RMS level reaches ``threshold``."""

    threshold: float = DEFAULT_THRESHOLD

    def is_speech(self, pcm: bytes) -> bool:
        return mulaw.rms(pcm) >= self.threshold
