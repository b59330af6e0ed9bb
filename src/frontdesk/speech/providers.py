"""Which recognizer and which voice a call in a given language gets, from the settings
(issue 15; docs/decisions/0051-speech-providers-and-settings.md).

``speech_for(settings, detector)`` is what the app puts on ``app.state.speech``: None
when speech is off for every language, else a ``SpeechProviders`` that, called with a
conversation's language, gives ``(recognizer, voice, detector)``, or raises
``SpeechUnavailable`` naming the setting to change when that language has no recognizer or
no voice here: the Twilio door catches it and answers that call turn by turn
(``twilio_stream.streaming_answer``) instead of failing it.

Providers are built on first use and kept: one per provider for the whole process, shared
by every call's thread. Loading Whisper takes about a second, and a shared
faster-whisper model is safe to call from several threads at once — its maintainers'
answer in https://github.com/SYSTRAN/faster-whisper/issues/100 (CTranslate2 queues the
calls on its ``num_workers`` workers; one by default), so no lock is added around it.
espeak-ng runs a process per utterance; the cloud providers share one HTTP pool each.
The detector is stateful per stream, so each call gets a fresh one from ``detector``;
it is handed in (the app passes ``voice.vad.EnergyVAD``) because ``voice`` sits above
``speech`` and may not be imported from here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from frontdesk.config import Settings
from frontdesk.speech.base import SpeechToText, SpeechUnavailable, TextToSpeech, language_base

D = TypeVar("D")  # the call's voice activity detector
P = TypeVar("P")  # a built provider
LANGUAGES = ("en", "es")  # the languages the desk speaks (and that have settings)
_CLOUD = ("openai", "deepgram")


def chosen(settings: Settings, language: str) -> tuple[str, str, str, str]:
    """(recognizer, voice, the setting naming the recognizer, the one naming the voice)."""
    stt, tts, stt_setting, tts_setting = (settings.speech_stt, settings.speech_tts,
                                          "speech_stt", "speech_tts")
    if language_base(language) == "es":
        if settings.speech_stt_es is not None:
            stt, stt_setting = settings.speech_stt_es, "speech_stt_es"
        if settings.speech_tts_es is not None:
            tts, tts_setting = settings.speech_tts_es, "speech_tts_es"
    return stt, tts, stt_setting, tts_setting


def _env(setting: str) -> str:
    return f"FRONTDESK_{setting.upper()}"


def build_recognizer(settings: Settings, name: str) -> SpeechToText:
    timeout = settings.speech_timeout_s
    if name == "openai":
        from frontdesk.speech.openai_audio import OpenAISpeechToText

        return OpenAISpeechToText(base_url=settings.speech_openai_base_url,
                                  api_key=settings.speech_openai_api_key,
                                  model=settings.speech_openai_stt_model, timeout_s=timeout)
    if name == "deepgram":
        from frontdesk.speech.deepgram import DeepgramSpeechToText

        return DeepgramSpeechToText(api_key=settings.speech_deepgram_api_key,
                                    base_url=settings.speech_deepgram_base_url,
                                    model=settings.speech_deepgram_stt_model, timeout_s=timeout)
    from frontdesk.speech.faster_whisper_stt import FasterWhisperSpeechToText

    return FasterWhisperSpeechToText(settings.speech_whisper_model or None)


def build_voice(settings: Settings, name: str) -> TextToSpeech:
    timeout = settings.speech_timeout_s
    if name == "openai":
        from frontdesk.speech.openai_audio import OpenAITextToSpeech

        voice = settings.speech_openai_voice
        return OpenAITextToSpeech(
            base_url=settings.speech_openai_base_url, api_key=settings.speech_openai_api_key,
            model=settings.speech_openai_tts_model, timeout_s=timeout,
            voices={"en": voice, "es": settings.speech_openai_voice_es or voice})
    if name == "deepgram":
        from frontdesk.speech.deepgram import DeepgramTextToSpeech

        return DeepgramTextToSpeech(
            api_key=settings.speech_deepgram_api_key,
            base_url=settings.speech_deepgram_base_url, timeout_s=timeout,
            voices={"en": settings.speech_deepgram_voice,
                    "es": settings.speech_deepgram_voice_es})
    if name == "piper":
        from frontdesk.speech.piper_tts import PiperTextToSpeech

        return PiperTextToSpeech()
    from frontdesk.speech.espeak import EspeakTextToSpeech

    return EspeakTextToSpeech()


class SpeechProviders(Generic[D]):
    """The speech parts per language, built once and shared (see the module's text)."""

    def __init__(self, settings: Settings, detector: Callable[[], D]) -> None:
        self.settings = settings
        self.detector = detector
        self._lock = threading.Lock()
        self._recognizers: dict[str, SpeechToText | SpeechUnavailable] = {}
        self._voices: dict[str, TextToSpeech | SpeechUnavailable] = {}

    def __call__(self, language: str) -> tuple[SpeechToText, TextToSpeech, D]:
        """The parts for a call in ``language``, or ``SpeechUnavailable`` naming the setting
        to change (the door logs it and answers that call turn by turn)."""
        base = language_base(language)
        stt_name, tts_name, stt_setting, tts_setting = chosen(self.settings, base)
        if not stt_name:
            raise SpeechUnavailable(f"no recognizer for {base!r}: {_env(stt_setting)} is "
                                    f"empty{_hint(base, 'stt')}")
        if not tts_name:
            raise SpeechUnavailable(f"no voice for {base!r}: {_env(tts_setting)} is "
                                    f"empty{_hint(base, 'tts')}")
        if stt_name == "local" and not self.settings.speech_whisper_model and base != "en":
            # Known without loading it: the bundled model is tiny.en.
            raise SpeechUnavailable(
                f"no recognizer for {base!r}: {_env(stt_setting)}=local uses the bundled "
                f"English-only Whisper model{_hint(base, 'stt')}")
        recognizer = self._recognizer(stt_name, stt_setting)
        if getattr(recognizer, "english_only", False) and base != "en":
            raise SpeechUnavailable(
                f"no recognizer for {base!r}: {_env(stt_setting)}={stt_name} uses an "
                f"English-only Whisper model{_hint(base, 'stt')}, or set "
                "FRONTDESK_SPEECH_WHISPER_MODEL to a multilingual model directory")
        voice = self._voice(tts_name, tts_setting)
        if base not in voice.languages():
            suffix = "_ES" if base == "es" else ""
            more = (f": set FRONTDESK_SPEECH_{tts_name.upper()}_VOICE{suffix}"
                    if tts_name in _CLOUD else _hint(base, "tts"))
            raise SpeechUnavailable(f"no voice for {base!r}: {_env(tts_setting)}={tts_name} "
                                    f"has none{more}")
        return recognizer, voice, self.detector()

    def _recognizer(self, name: str, setting: str) -> SpeechToText:
        return self._built(self._recognizers, name, setting, build_recognizer)

    def _voice(self, name: str, setting: str) -> TextToSpeech:
        return self._built(self._voices, name, setting, build_voice)

    def _built(self, cache: dict[str, P | SpeechUnavailable], name: str, setting: str,
               build: Callable[[Settings, str], P]) -> P:
        # Under the lock: two first calls at once load one model, not two. A provider
        # that cannot be built (package, model or key absent) stays unbuilt: it is
        # remembered, not retried on every call.
        with self._lock:
            if name not in cache:
                try:
                    cache[name] = build(self.settings, name)
                except SpeechUnavailable as exc:
                    cache[name] = SpeechUnavailable(f"{_env(setting)}={name}: {exc}")
            found = cache[name]
        if isinstance(found, SpeechUnavailable):
            raise SpeechUnavailable(str(found))  # a fresh one: calls don't share a traceback
        return found



def _hint(language: str, part: str) -> str:
    """The setting that would give ``language`` a recognizer or a voice."""
    if language == "es":
        choices = "openai or deepgram" if part == "stt" else "espeak, openai or deepgram"
        return f": set FRONTDESK_SPEECH_{part.upper()}_ES to {choices}"
    return ""


def speech_for(settings: Settings,
               detector: Callable[[], D]) -> SpeechProviders[D] | None:
    """The providers the settings choose; None when no language has both a recognizer
    and a voice (speech is off: streaming calls are refused, turn-based voice works)."""
    if not any(all(chosen(settings, language)[:2]) for language in LANGUAGES):
        return None
    return SpeechProviders(settings, detector)
