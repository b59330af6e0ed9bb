"""The streaming call's state machine, driven with deterministic speech stand-ins."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from frontdesk.voice import mulaw
from frontdesk.voice.pipeline import (
    CallerAudio,
    ClearAudio,
    Command,
    Digit,
    EndCall,
    MarkPlayed,
    Said,
    SendAudio,
    SendMark,
    Stopped,
    StreamingCall,
    clauses,
)
from frontdesk.voice.vad import EnergyVAD
from tests.voice.fakes import SILENT_FRAME, ScriptedSide, TextRecognizer, TextVoice, hear, speech


def make_call(side: ScriptedSide | None = None, *, rate: int = 8000) -> StreamingCall:
    return StreamingCall(side or ScriptedSide(), TextRecognizer(), TextVoice(sample_rate=rate),
                         EnergyVAD())


def spoken(commands: Sequence[Command]) -> list[tuple[str, str]]:
    """(mark, text heard before it) for each mark sent."""
    out, audio = [], b""
    for c in commands:
        if isinstance(c, SendAudio):
            audio += c.mulaw
        elif isinstance(c, SendMark):
            out.append((c.name, hear(audio)))
            audio = b""
    return out


def silence(call: StreamingCall, ms: int) -> list[Command]:
    out: list[Command] = []
    for _ in range(ms // 20):
        out += call.handle(CallerAudio(SILENT_FRAME))
    return out


def test_clauses_cut_where_a_speaker_pauses() -> None:
    assert clauses("Sure. I have 10 am; or 11: which one?  ") == [
        "Sure.", "I have 10 am;", "or 11:", "which one?"]
    assert clauses("") == []


@pytest.mark.parametrize("rate", [8000, 16000])
def test_greets_clause_by_clause_with_a_mark_after_each(rate: int) -> None:
    call = make_call(rate=rate)
    assert spoken(call.start()) == [("r1c0", "Hello."), ("r1c1", "How can I help?")]


def test_end_of_turn_after_the_silence_window_gets_the_reply() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.start()
    call.handle(MarkPlayed("r1c0"))
    call.handle(MarkPlayed("r1c1"))
    assert call.handle(CallerAudio(speech("book a haircut"))) == []
    assert silence(call, 380) == []  # not yet: a pause inside a sentence
    out = silence(call, 20)
    assert side.answered == ["book a haircut"]
    assert spoken(out) == [("r2c0", "You said book a haircut."), ("r2c1", "Anything else?")]


def test_a_blip_is_not_a_turn() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.handle(CallerAudio(speech("x", run=40)))  # 5 ms of sound in a 20 ms frame
    silence(call, 1000)
    assert side.answered == []


def test_a_long_reply_waits_for_marks_before_synthesizing_more() -> None:
    side = ScriptedSide(greeting_text="One. Two. Three. Four. Five.")
    call = make_call(side)
    assert [m for m, _ in spoken(call.start())] == ["r1c0", "r1c1", "r1c2"]
    assert spoken(call.handle(MarkPlayed("r1c0"))) == [("r1c3", "Four.")]
    assert call.handle(MarkPlayed("r1c2")) == []  # out of order: not ours to trust
    call.handle(MarkPlayed("r1c1"))
    call.handle(MarkPlayed("r1c2"))
    call.handle(MarkPlayed("r1c3"))
    assert call.handle(MarkPlayed("r1c4")) == []
    assert side.heard_calls == []  # all of it was heard: the record stands as planned


def test_barge_in_clears_and_keeps_only_what_was_heard() -> None:
    side = ScriptedSide(
        greeting_text="Hi there. We open at nine. We close at five. Not Sundays. Bye now.")
    call = make_call(side)
    voice = call.tts
    call.start()
    call.handle(MarkPlayed("r1c0"))  # "Hi there." reached the caller
    out = call.handle(CallerAudio(speech("wait, I need a haircut instead")))
    assert ClearAudio() in out
    assert side.heard_calls == [(side.greeting_text, "Hi there.")]
    assert isinstance(voice, TextVoice) and "Bye now." not in voice.spoken  # never synthesized
    assert call.handle(MarkPlayed("r1c1")) == []  # the carrier returns cleared marks
    silence(call, 400)
    assert side.answered == ["wait, I need a haircut instead"]  # the whole interruption is the turn


def test_a_short_noise_over_our_audio_does_not_interrupt() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.start()
    out = call.handle(CallerAudio(speech("x", run=300)))  # 2 frames: 40 ms < 120 ms
    assert ClearAudio() not in out and side.heard_calls == []


def test_digits_are_input_ended_by_a_pause_or_hash() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.handle(Digit("1"))
    call.handle(Digit("2"))
    assert silence(call, 1400) == [] and side.answered == []
    assert spoken(silence(call, 100))[0] == ("r1c0", "You said 12.")
    assert call.handle(Digit("3")) == [ClearAudio()]  # a key over our reply interrupts it
    call.handle(Digit("#"))
    assert side.answered == ["12", "3"]


def test_a_goodbye_ends_the_call_after_its_last_mark() -> None:
    goodbye = Said("Goodbye. Take care.", "en", hang_up=True)
    side = ScriptedSide(replies={"goodbye for now": goodbye})
    call = make_call(side)
    call.handle(CallerAudio(speech("goodbye for now")))
    silence(call, 400)
    assert call.handle(MarkPlayed("r1c0")) == []
    assert call.handle(MarkPlayed("r1c1")) == [EndCall()]
    assert call.ended and call.handle(CallerAudio(speech("hello"))) == []


def test_hanging_up_mid_reply_records_what_was_heard() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.start()
    call.handle(MarkPlayed("r1c0"))
    assert call.handle(Stopped()) == []
    assert side.heard_calls == [("Hello. How can I help?", "Hello.")] and side.hangups == 1


def test_a_silent_caller_is_prompted_again() -> None:
    side = ScriptedSide()
    call = make_call(side)
    out = silence(call, 8000)
    assert side.silences == [1] and spoken(out) == [("r1c0", "Are you still there?")]


def test_the_energy_detector_hears_a_voice_not_hiss() -> None:
    vad = EnergyVAD()
    assert vad.is_speech(mulaw.decode(speech("hello")[:160]))
    assert not vad.is_speech(mulaw.decode(bytes([0xF8, 0x78]) * 80))  # ±~100: line hiss


def test_a_voice_failing_mid_reply_ends_that_reply_and_the_call_goes_on() -> None:
    from frontdesk.speech.base import SpeechError

    class Failing(TextVoice):
        def synthesize(self, text: str, lang: str):  # type: ignore[no-untyped-def]
            if text.startswith("How"):
                raise SpeechError("the voice service went away")
            return super().synthesize(text, lang)

    side = ScriptedSide()
    call = StreamingCall(side, TextRecognizer(), Failing(), EnergyVAD())
    out = call.start()  # "Hello." spoken; "How can I help?" fails
    marks = [c.name for c in out if isinstance(c, SendMark)]
    assert marks == ["r1c0", "r1c1"]  # the failed clause's mark still closes the reply
    call.handle(MarkPlayed("r1c0"))
    call.handle(MarkPlayed("r1c1"))
    call.handle(CallerAudio(speech("book a haircut")))
    assert spoken(silence(call, 500))[0][1] == "You said book a haircut."


def test_the_recognizer_gets_the_moments_before_speech_was_detected() -> None:
    """A detector is sure of speech a frame or more into it; a word's soft start is in
    the frames before, so they go to the recognizer with the turn."""
    heard: list[bytes] = []

    class Recording(TextRecognizer):
        def transcribe(self, pcm: bytes, sample_rate: int, lang: str) -> str:
            heard.append(pcm)
            return super().transcribe(pcm, sample_rate, lang)

    call = StreamingCall(ScriptedSide(), Recording(), TextVoice(), EnergyVAD())
    call.start()
    call.handle(MarkPlayed("r1c0"))
    call.handle(MarkPlayed("r1c1"))
    soft = bytes([0xF0]) * 160  # a quiet onset, under the detector's threshold
    silence(call, 1000)
    call.handle(CallerAudio(soft + speech("hello, I need a haircut")))
    silence(call, 500)
    assert len(heard) == 1
    turn = mulaw.encode(heard[0])
    assert soft in turn  # the onset the detector missed reached the recognizer
    assert len(turn) >= 15 * 160  # with up to 300 ms before it
