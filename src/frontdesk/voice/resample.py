"""A streaming resampler for speech: any rate in, the carrier's 8 kHz (or any rate) out.

A voice speaks at its own rate (espeak-ng 22,050 Hz, Piper 22,050, cloud voices 24,000);
the telephone carries 8,000. Going down, a windowed-sinc low-pass first removes what the
lower rate cannot carry (else it folds back as a hiss), then each output sample is read
off the filtered signal by linear interpolation. Chunks may be any size, as a voice
yields them: the filter's history and the read position carry over, so the output is the
same as resampling the whole utterance at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

TAPS = 31  # ~1.4 ms at 22 kHz: enough stop-band for speech, little delay


def _low_pass(rate_in: int, rate_out: int) -> npt.NDArray[np.float64]:
    if rate_out >= rate_in:
        return np.ones(1)
    cutoff = 0.45 * rate_out / rate_in  # cycles per input sample, a little under Nyquist
    n = np.arange(TAPS) - (TAPS - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(TAPS)
    normalized: npt.NDArray[np.float64] = kernel / kernel.sum()  # unity gain at DC
    return normalized


class Resampler:
    def __init__(self, rate_in: int, rate_out: int = 8000) -> None:
        if rate_in <= 0 or rate_out <= 0:
            raise ValueError("sample rates are positive")
        self.rate_in, self.rate_out = rate_in, rate_out
        self._step = rate_in / rate_out  # input samples per output sample
        self._kernel = _low_pass(rate_in, rate_out)
        self._history = np.zeros(len(self._kernel) - 1)
        self._last = 0.0  # the previous chunk's last filtered sample
        self._seen = 0  # input samples so far
        self._next = 0.0  # where the next output sample falls, in input samples
        self._odd = b""  # half a sample left over from the last chunk

    def feed(self, pcm16: bytes) -> bytes:
        """Resample the next chunk of 16-bit little-endian PCM."""
        data = self._odd + pcm16
        whole = len(data) - len(data) % 2
        self._odd = data[whole:]
        if self.rate_in == self.rate_out:
            return data[:whole]
        x = np.frombuffer(data[:whole], dtype="<i2").astype(np.float64)
        if not x.size:
            return b""
        buffered = np.concatenate((self._history, x))
        filtered = np.convolve(buffered, self._kernel, mode="valid")  # one per input sample
        self._history = buffered[len(buffered) - len(self._history):] if len(self._history) \
            else self._history
        # ``known`` holds filtered samples seen-1 .. seen+n-1 (the previous chunk's last
        # first), so a position between chunks still has both neighbours.
        known = np.concatenate(([self._last], filtered))
        end = self._seen + x.size - 1
        positions = np.arange(self._next, end + 1e-9, self._step)
        self._next += positions.size * self._step
        self._seen += x.size
        self._last = float(filtered[-1])
        out = np.interp(positions - (self._seen - x.size - 1), np.arange(known.size), known)
        return bytes(np.clip(np.rint(out), -32768, 32767).astype("<i2").tobytes())
