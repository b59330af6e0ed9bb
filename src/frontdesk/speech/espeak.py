"""eSpeak NG as a text-to-speech provider: a subprocess per utterance, PCM streamed from
its stdout as it is made. Robotic, but always available (Debian's ``espeak-ng``, GPL-3,
run as a separate program, never linked), fast, and speaks English and Spanish: the
fallback voice and the voice of the tests.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterator
from typing import IO

from frontdesk.speech.base import SpeechError, SpeechUnavailable, UnsupportedLanguage, language_base

DEFAULT_VOICES: dict[str, str] = {"en": "en-us", "es": "es"}
ESPEAK_SAMPLE_RATE = 22050  # what espeak-ng writes; read from each stream's header too
CHUNK_BYTES = 4096


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _skip_wav_header(stream: IO[bytes]) -> int:
    """Reads a streamed WAV header (whose sizes espeak-ng leaves unset) up to the data
    chunk; returns the sample rate. Only 16-bit mono PCM is accepted."""
    riff = _read_exact(stream, 12)
    if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        raise SpeechError("espeak-ng did not write a WAV stream")
    sample_rate = 0
    while True:
        head = _read_exact(stream, 8)
        if len(head) < 8:
            raise SpeechError("espeak-ng's WAV stream ended before its data")
        kind, size = head[:4], struct.unpack("<I", head[4:])[0]
        if kind == b"data":
            if not sample_rate:
                raise SpeechError("espeak-ng's WAV stream has no format chunk")
            return sample_rate
        body = _read_exact(stream, size)
        if kind == b"fmt ":
            fmt, channels, sample_rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            if (fmt, channels, bits) != (1, 1, 16):
                raise SpeechError("espeak-ng wrote audio other than 16-bit mono PCM")


class EspeakTextToSpeech:
    """``synthesize`` yields PCM16 at :attr:`sample_rate` (22,050 Hz), chunk by chunk."""

    name = "espeak-ng"
    sample_rate = ESPEAK_SAMPLE_RATE

    def __init__(
        self,
        *,
        voices: dict[str, str] | None = None,
        words_per_minute: int = 165,
        executable: str | None = None,
    ) -> None:
        found = executable or shutil.which("espeak-ng")
        if not found:
            raise SpeechUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
        self._executable = found
        self._voices = dict(voices or DEFAULT_VOICES)
        self._words_per_minute = words_per_minute

    def languages(self) -> frozenset[str]:
        return frozenset(self._voices)

    def synthesize(self, text: str, language: str) -> Iterator[bytes]:
        voice = self._voices.get(language_base(language))
        if voice is None:
            raise UnsupportedLanguage(f"espeak-ng has no voice configured for {language!r}")
        return self._stream(voice, text)

    def _stream(self, voice: str, text: str) -> Iterator[bytes]:
        # The text goes through stdin: never parsed as options, whatever it starts with.
        process = subprocess.Popen(
            [self._executable, "-v", voice, "-s", str(self._words_per_minute), "--stdout",
             "--stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            bufsize=0,  # unbuffered: each read returns what espeak-ng has written so far
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(text.encode("utf-8"))
            process.stdin.close()
            rate = _skip_wav_header(process.stdout)
            if rate != self.sample_rate:
                raise SpeechError(f"espeak-ng wrote {rate} Hz, not {self.sample_rate} Hz")
            pending = b""
            while chunk := process.stdout.read(CHUNK_BYTES):
                pending += chunk
                whole = len(pending) - len(pending) % 2  # never split a sample
                if whole:
                    yield pending[:whole]
                    pending = pending[whole:]
            if process.wait(timeout=10) != 0:
                raise SpeechError(f"espeak-ng exited with status {process.returncode}")
        finally:
            # A caller that stops listening (barge-in) closes the generator: stop speaking.
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
