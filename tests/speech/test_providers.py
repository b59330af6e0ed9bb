"""Settings choose the recognizer and the voice per language; the providers are built
once and shared; a language that cannot stream says which setting would fix it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.config_check import missing_settings
from frontdesk.speech.base import SpeechUnavailable
from frontdesk.speech.deepgram import DeepgramSpeechToText, DeepgramTextToSpeech
from frontdesk.speech.openai_audio import OpenAISpeechToText, OpenAITextToSpeech
from frontdesk.speech.providers import SpeechProviders, speech_for
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant, TenantPhoneNumber
from frontdesk.voice.vad import EnergyVAD
from tests.conftest import Business, serving
from tests.standins.deepgram import Deepgram, deepgram_app
from tests.standins.openai_audio import OpenAIAudio, openai_audio_app
from tests.standins.pcm import tone


@pytest.fixture(scope="module")
def clouds() -> Iterator[tuple[OpenAIAudio, str, Deepgram, str]]:
    openai_server, deepgram_server = OpenAIAudio(), Deepgram()
    with serving(openai_audio_app(openai_server)) as openai_url, \
            serving(deepgram_app(deepgram_server)) as deepgram_url:
        yield openai_server, openai_url + "/v1", deepgram_server, deepgram_url


@pytest.fixture
def english_openai_spanish_deepgram(
        clouds: tuple[OpenAIAudio, str, Deepgram, str]) -> Settings:
    openai_server, openai_url, deepgram_server, deepgram_url = clouds
    openai_server.reset()
    deepgram_server.reset()
    return Settings(
        environment="test", speech_stt="openai", speech_tts="openai",
        speech_stt_es="deepgram", speech_tts_es="deepgram",
        speech_openai_base_url=openai_url, speech_openai_api_key=openai_server.api_key,
        speech_deepgram_base_url=deepgram_url, speech_deepgram_api_key=deepgram_server.api_key)


def _providers(settings: Settings) -> SpeechProviders[EnergyVAD]:
    providers = speech_for(settings, EnergyVAD)
    assert providers is not None
    return providers


def test_a_business_language_picks_its_providers_and_both_round_trip(
        english_openai_spanish_deepgram: Settings,
        clouds: tuple[OpenAIAudio, str, Deepgram, str]) -> None:
    openai_server, _, deepgram_server, _ = clouds
    providers = _providers(english_openai_spanish_deepgram)
    stt, tts, vad = providers("en")
    assert isinstance(stt, OpenAISpeechToText) and isinstance(tts, OpenAITextToSpeech)
    assert isinstance(vad, EnergyVAD)
    pcm = tone(0.6, 8000)
    openai_server.recognizes(pcm, "book me in")
    deepgram_server.recognizes(pcm, "resérveme")
    assert stt.transcribe(pcm, 8000, "en") == "book me in"
    assert next(tts.synthesize("Booked.", "en"))
    es_stt, es_tts, _ = providers("es-MX")
    assert isinstance(es_stt, DeepgramSpeechToText) and isinstance(es_tts, DeepgramTextToSpeech)
    assert es_stt.transcribe(pcm, 8000, "es") == "resérveme"
    assert b"".join(es_tts.synthesize("Reservado.", "es"))
    assert deepgram_server.recorder.sent[-1]["model"] == "aura-2-celeste-es"
    assert [m["endpoint"] for m in openai_server.recorder.sent] == ["transcriptions", "speech"]


def test_providers_are_built_once_and_shared_the_detector_is_per_call(
        english_openai_spanish_deepgram: Settings) -> None:
    providers = _providers(english_openai_spanish_deepgram)
    got: list[tuple[object, object, object]] = []
    threads = [threading.Thread(target=lambda: got.append(providers("en")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(stt) for stt, _, _ in got}) == 1
    assert len({id(tts) for _, tts, _ in got}) == 1
    assert len({id(vad) for _, _, vad in got}) == 8  # a detector keeps one stream's state


def test_spanish_with_only_the_local_recognizer_says_what_to_set() -> None:
    providers = _providers(Settings(environment="test"))  # the defaults: local, espeak
    with pytest.raises(SpeechUnavailable, match="no recognizer for 'es': FRONTDESK_SPEECH_STT="
                                                "local .*set FRONTDESK_SPEECH_STT_ES to openai "
                                                "or deepgram"):
        providers("es-MX")


def test_a_language_left_without_a_recognizer_names_its_own_setting() -> None:
    providers = _providers(Settings(environment="test", speech_stt="openai",
                                    speech_stt_es=""))
    with pytest.raises(SpeechUnavailable, match="FRONTDESK_SPEECH_STT_ES is empty"):
        providers("es")


def test_a_cloud_voice_without_a_spanish_voice_names_that_setting(
        english_openai_spanish_deepgram: Settings) -> None:
    settings = english_openai_spanish_deepgram.model_copy(
        update={"speech_deepgram_voice_es": ""})
    with pytest.raises(SpeechUnavailable, match="FRONTDESK_SPEECH_TTS_ES=deepgram has none: "
                                                "set FRONTDESK_SPEECH_DEEPGRAM_VOICE_ES"):
        _providers(settings)("es")


def test_a_provider_that_cannot_be_built_is_named_and_not_retried() -> None:
    providers = _providers(Settings(environment="test", speech_stt="deepgram",
                                    speech_deepgram_api_key=""))
    for _ in range(2):
        with pytest.raises(SpeechUnavailable, match="FRONTDESK_SPEECH_STT=deepgram: Deepgram "
                                                    "needs FRONTDESK_SPEECH_DEEPGRAM_API_KEY"):
            providers("en")


def test_speech_off_for_every_language_is_no_providers_at_all() -> None:
    assert speech_for(Settings(environment="test", speech_stt=""), EnergyVAD) is None
    assert speech_for(Settings(environment="test", speech_tts=""), EnergyVAD) is None
    spanish_only = Settings(environment="test", speech_stt="", speech_stt_es="deepgram",
                            speech_deepgram_api_key="k")
    providers = _providers(spanish_only)
    with pytest.raises(SpeechUnavailable, match="FRONTDESK_SPEECH_STT is empty"):
        providers("en")


def test_unknown_provider_names_stop_the_start() -> None:
    with pytest.raises(ValidationError, match="speech_tts_es\n.*must be one of espeak, piper, "
                                              "openai, deepgram or empty"):
        Settings(environment="test", speech_tts_es="polly")
    with pytest.raises(ValidationError, match="speech_stt\n.*must be one of local, openai"):
        Settings(environment="test", speech_stt="whisper")
    assert Settings(environment="test", speech_stt_es=" Deepgram ").speech_stt_es == "deepgram"


def test_the_start_up_check_names_half_set_speech_providers() -> None:
    settings = Settings(environment="test", speech_tts_es="deepgram", speech_stt_es="local",
                        speech_tts="openai", speech_deepgram_voice_es="aura-2-thalia-en")
    lines = missing_settings(settings)
    assert [line.split(" ", 1)[0] for line in lines] == [
        "Deepgram", "OpenAI", "FRONTDESK_SPEECH_DEEPGRAM_VOICE_ES=aura-2-thalia-en",
        "FRONTDESK_SPEECH_STT_ES"]
    local_openai = Settings(environment="test", speech_tts="openai",
                            speech_openai_base_url="http://127.0.0.1:8000/v1")
    assert missing_settings(local_openai) == []  # a local server takes no key


def test_the_app_holds_the_providers_or_none_when_speech_is_off(sqlite_engine: Engine) -> None:
    app = create_app(Settings(environment="test"), engine=sqlite_engine)
    assert isinstance(app.state.speech, SpeechProviders)
    off = create_app(Settings(environment="test", speech_stt="", speech_tts=""),
                     engine=sqlite_engine)
    assert off.state.speech is None


@pytest.mark.parametrize(("spanish_stt", "answer"), [(None, "Gather"), ("deepgram", "Connect")])
def test_a_spanish_business_streams_only_when_spanish_has_a_recognizer(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        clouds: tuple[OpenAIAudio, str, Deepgram, str], spanish_stt: str | None,
        answer: str) -> None:
    from tests.channels.test_twilio_voice import NUMBER, TwilioStandIn, verbs, with_twilio

    _, _, deepgram_server, deepgram_url = clouds
    with_twilio(client.app)  # type: ignore[arg-type]
    client.app.state.speech = speech_for(Settings(  # type: ignore[attr-defined]
        environment="test", speech_stt_es=spanish_stt, speech_tts_es="deepgram",
        speech_deepgram_base_url=deepgram_url, speech_deepgram_api_key=deepgram_server.api_key),
        EnergyVAD)
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.voice_mode, tenant.languages = "stream", ["es"]
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    assert verbs(TwilioStandIn(client).ring())[0].tag == answer
