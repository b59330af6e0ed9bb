"""One Settings object: the only place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "frontdesk"


class Settings(BaseSettings):
    """Configuration from environment variables prefixed ``FRONTDESK_`` (or a .env file)."""

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    # Empty means: an embedded SQLite file in data_dir.
    database_url: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # Request bodies past these are refused (413) before anything reads them: the JSON
    # API and the OpenAI-compatible door, and provider webhooks (a few KiB when real).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_webhook_body_bytes: int = Field(default=128 * 1024, ge=1024)
    # Encrypts stored credentials (external calendar passwords): a Fernet key. Empty:
    # outside production one is generated once into data_dir/secret.key.
    secret_key: str = ""
    # Server processes `frontdesk serve` runs (PostgreSQL only; see README "Running several
    # processes"). Each process opens its own connections: its share of
    # database_connections, so N processes together stay under the server's limit.
    workers: int = Field(default=1, ge=1, le=256)
    database_connections: int = Field(default=60, ge=4)
    # The outbox worker delivers confirmations and reminders in this process (embedded
    # mode). At scale, run it elsewhere and turn it off here.
    outbox_worker: bool = True  # run the outbox worker and the dialer in this process
    dialer_interval_s: float = Field(default=1.0, gt=0, le=60)
    # How long a claimed outbox row is a worker's: after it, another worker takes over
    # (a worker died). Longer than any send (a call request times out after 10 s).
    outbox_lease_s: float = Field(default=60.0, ge=2, le=3600)
    # Demo mode: "send" texts and emails to the log instead of a provider.
    outbox_console: bool = False

    # The optional LLM driver (any OpenAI-compatible Chat Completions server: OpenAI,
    # Ollama, vLLM, llama.cpp, ...). Empty base URL: the deterministic engine answers alone.
    llm_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    # Local servers take no key; an empty one is sent as a placeholder.
    llm_api_key: str = ""
    # The whole turn's budget (all model rounds together); past it the rules answer.
    llm_timeout_s: float = Field(default=8.0, gt=0)
    llm_max_tool_rounds: int = Field(default=4, ge=1, le=10)

    # Streaming voice (issue 15): the speech providers our own pipeline uses, per language
    # (speech/providers.py). Settings below this line are the providers' own.
    # --- speech providers ---
    # Who hears the caller and who speaks, for every language: speech_stt "local"
    # (faster-whisper), "openai" (any OpenAI-compatible audio server), "deepgram", or ""
    # (none); speech_tts "espeak", "piper", "openai", "deepgram", or "". The _es settings,
    # when set, choose for Spanish instead (e.g. Spanish in the cloud, English local).
    # A language left without both has no streaming voice: its calls go turn by turn.
    speech_stt: str = "local"
    speech_tts: str = "espeak"
    speech_stt_es: str | None = None
    speech_tts_es: str | None = None
    # A CTranslate2 Whisper model directory; empty: the bundled English tiny.en.
    speech_whisper_model: str = ""
    # One request's budget (a recognition, or a voice's first audio) before giving up.
    speech_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # OpenAI or any server with its audio endpoints (speaches, LocalAI); local servers
    # take no key. The _es voice, when set, speaks Spanish.
    speech_openai_base_url: str = "https://api.openai.com/v1"
    speech_openai_api_key: str = ""
    speech_openai_stt_model: str = "gpt-4o-mini-transcribe"
    speech_openai_tts_model: str = "gpt-4o-mini-tts"
    speech_openai_voice: str = "alloy"
    speech_openai_voice_es: str = ""
    # Deepgram: nova-3 hears English and Spanish; Aura-2 voices are one per language.
    speech_deepgram_api_key: str = ""
    speech_deepgram_base_url: str = "https://api.deepgram.com"
    speech_deepgram_stt_model: str = "nova-3"
    speech_deepgram_voice: str = "aura-2-thalia-en"
    speech_deepgram_voice_es: str = "aura-2-celeste-es"

    @field_validator("speech_stt", "speech_stt_es")
    @classmethod
    def _speech_recognizer(cls, value: str | None) -> str | None:
        return cls._speech_choice(value, ("local", "openai", "deepgram"), "recognizer")

    @field_validator("speech_tts", "speech_tts_es")
    @classmethod
    def _speech_voice(cls, value: str | None) -> str | None:
        return cls._speech_choice(value, ("espeak", "piper", "openai", "deepgram"), "voice")

    @staticmethod
    def _speech_choice(value: str | None, known: tuple[str, ...], what: str) -> str | None:
        """A speech provider's name as set (None: not set); unknown ones stop the start."""
        if value is None:
            return None
        name = value.strip().lower()
        if name and name not in known:
            raise ValueError(f"the speech {what} must be one of {', '.join(known)} or empty "
                             f"(none), not {value!r}")
        return name

    # SMS through Twilio (the account SID with twilio_auth_token, below) ...
    twilio_account_sid: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    # ... or Telnyx (Ed25519-signed webhooks: the base64 public key from the portal).
    telnyx_api_key: str = ""
    telnyx_public_key: str = ""
    telnyx_api_base: str = "https://api.telnyx.com"
    telnyx_messaging_profile_id: str = ""

    # Speech-to-speech (issue 15): a realtime model is the voice of a business whose
    # voice_mode is "realtime" (voice/realtime.py).
    # --- speech-to-speech ---
    # The OpenAI Realtime API (GA, WebSocket): on for realtime businesses once a key is set.
    realtime_base_url: str = "wss://api.openai.com"
    realtime_api_key: str = ""
    realtime_model: str = "gpt-realtime"
    realtime_voice: str = "marin"
    realtime_transcription_model: str = "gpt-4o-mini-transcribe"
    # The handshake and the session's acceptance together; past it the call falls back.
    realtime_connect_timeout_s: float = 5.0

    # Email confirmations. The From address is shared by every tenant (replies go to the
    # tenant's notify_email); SendGrid is used when its key is set, else SMTP when a host is.
    email_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    # STARTTLS on a submission port (587); port 465 means implicit TLS instead.
    smtp_starttls: bool = True
    sendgrid_api_key: str = ""
    sendgrid_api_base: str = "https://api.sendgrid.com"

    # Twilio: the account's auth token signs every webhook (X-Twilio-Signature); empty
    # means Twilio webhooks are refused. public_base_url is the address Twilio calls us
    # on (e.g. https://desk.example.com), which the signature covers; behind a proxy the
    # request's own URL differs from it. Empty: the request's URL is used.
    twilio_auth_token: str = ""
    public_base_url: str = ""

    # External calendars over OAuth: the app registered with Google (Cloud console,
    # "Web application" client) and with Microsoft (Entra ID app registration). The
    # redirect URI to register is {public_base_url}/oauth/callback/google (or /microsoft).
    # The endpoint settings exist for sovereign clouds and for tests' local stand-ins.
    # How long a search may reuse a calendar's busy times (a booking always re-reads).
    calendar_cache_s: float = Field(default=60.0, ge=0)
    # Calendar clients (and their open connections) kept per process, most recently used.
    calendar_clients_max: int = Field(default=128, ge=1)
    # CalDAV servers on loopback, private, link-local (cloud metadata) and other
    # non-public addresses are refused unless this is set: any API key chooses the URL.
    calendar_allow_private_hosts: bool = False
    google_client_id: str = ""
    google_client_secret: str = ""
    google_auth_base: str = "https://accounts.google.com"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    google_api_base: str = "https://www.googleapis.com/"
    microsoft_client_id: str = ""
    microsoft_client_secret: str = ""
    # "common" takes work, school and personal accounts; a tenant id limits it to one org.
    microsoft_authority: str = "https://login.microsoftonline.com/common"
    microsoft_api_base: str = "https://graph.microsoft.com/v1.0"

    # Dashboard sign-in with Google or Microsoft (OpenID Connect; docs/decisions/0043). Its
    # own OAuth clients (they ask only for openid, email and profile), each shown on the
    # sign-in page once its id and secret are set. Redirect URI to register:
    # {public_base_url}/login/google/callback (or /login/microsoft/callback). The discovery
    # URLs exist for sovereign clouds and for tests' local stand-ins.
    signin_google_client_id: str = ""
    signin_google_client_secret: str = ""
    signin_google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    signin_microsoft_client_id: str = ""
    signin_microsoft_client_secret: str = ""
    # "common": work, school and personal accounts; "organizations", or one tenant's id.
    signin_microsoft_discovery_url: str = (
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration")
    # Entra tenant ids (comma-separated) whose accounts may sign in; empty: any tenant.
    signin_microsoft_tenants: str = ""

    # Rate limits, each "N/second|minute|hour|day" (several joined with ";"); empty turns
    # that limit off. Per API key; per client IP for requests without a key (and for
    # refused credentials, webhook signatures included); per phone number on the texting,
    # calling and chat doors. See docs/decisions/0014-rate-limits.md.
    rate_limit_api_key: str = "300/minute"
    rate_limit_ip: str = "60/minute"
    rate_limit_phone: str = "20/minute"
    # Dashboard sign-in attempts, per client address and per email tried.
    rate_limit_login: str = "10/minute;100/day"
    # Empty: the counters live in this process. A redis:// (or rediss://) URL: every
    # process using it shares them (needs the "redis" extra).
    redis_url: str = ""

    # --- circuit breakers ---
    # A provider endpoint (carrier, calendar server, LLM server) that fails this many
    # times in a row is left alone for the cool-down; then one call probes it
    # (frontdesk.circuit, docs/decisions/0061-circuit-breakers.md).
    circuit_failures: int = Field(default=5, ge=1, le=1000)
    circuit_cool_down_s: float = Field(default=30.0, gt=0, le=3600)

    # --- graceful shutdown ---
    # On SIGTERM (or Ctrl-C) `frontdesk serve` and `frontdesk worker` stop taking work and
    # finish what is under way (live calls hear a closing line) within this many seconds,
    # then exit; what is still running then is cut. Give the process manager's own stop
    # timeout more (compose: stop_grace_period; docs/decisions/0060-graceful-shutdown.md).
    shutdown_grace_s: float = Field(default=20.0, ge=1, le=600)

    # --- retention ---
    # Conversations (transcripts, callers' numbers) and finished messages (SMS and email
    # bodies) are kept this many days, then made anonymous ("anonymise": counts, channels
    # and outcomes stay) or deleted; 0 keeps them forever. A business may set a shorter
    # period of its own, never a longer one. The background work (``frontdesk worker``,
    # or the server's) checks every retention_interval_s. ADR 0058.
    retention_days: int = Field(default=0, ge=0, le=36500)
    retention_mode: Literal["anonymise", "delete"] = "anonymise"
    retention_interval_s: float = Field(default=3600.0, ge=1, le=86400)

    # --- observability (issue 16; README "Watching it", ADR 0055) ---
    # "json": one JSON object per log line (uvicorn's too), with the request, tenant,
    # conversation and call ids, phone numbers and emails masked. "text": for people.
    log_format: Literal["text", "json"] = "text"
    # Set: GET /metrics asks for "Authorization: Bearer <token>". Empty: /metrics is open
    # (keep it off the public internet at the proxy); production warns.
    metrics_token: str = ""
    # prometheus_client's own variable (multiprocess mode); `frontdesk serve --workers N`
    # sets it for its processes. Empty: this process's counts alone.
    metrics_multiproc_dir: str = Field(default="", validation_alias="PROMETHEUS_MULTIPROC_DIR")
    # A `frontdesk worker` writes its heartbeat this often; /ready wants one newer than
    # worker_stale_s when this server leaves the background work to workers.
    worker_heartbeat_s: float = Field(default=10.0, gt=0, le=300)
    worker_stale_s: float = Field(default=60.0, gt=0)

    # --- tracing (issue 16; README "Watching it", ADR 0056) ---
    # An OpenTelemetry collector's OTLP/HTTP base URL (http://collector:4318): requests,
    # conversation turns and outbox sends are traced to it. Needs the "otel" extra; empty:
    # no tracing, and OpenTelemetry is never imported.
    otlp_endpoint: str = ""
    # The service.name the traces carry (one per deployment, or per role: server, worker).
    otlp_service_name: str = Field(default="frontdesk", min_length=1, max_length=100)

    # --- worker operations (issue 16: a worker's own metrics, its health check) ---
    # A `frontdesk worker` serves its Prometheus metrics (deliveries, failures, its circuit
    # breakers, its heartbeat's age) on this port; 0: not served. With a token set
    # (FRONTDESK_METRICS_TOKEN) scrapes must send it as a bearer.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Where that port listens: loopback by default (a scraper on the same machine). In a
    # container set 0.0.0.0 so Prometheus on the private network reaches it, and do not
    # publish the port.
    worker_metrics_host: str = "127.0.0.1"

    # --- calpush (issue 17 D: calendar push notifications, ADR 0068) ---
    # Google and Microsoft tell us at once when a connected calendar changes, so a new
    # meeting stops being offered before the busy-time cache (calendar_cache_s) runs out.
    # They call {public_base_url}/webhooks/calendar/google (or /microsoft), which must be
    # public https. "auto": on when public_base_url is https; "on": also over http (a
    # local test set-up; Google and Microsoft themselves refuse it); "off": never.
    calendar_push: Literal["auto", "on", "off"] = "auto"
    # How long a channel is asked to live (Google allows days; Graph caps calendar events
    # at 4230 minutes, so its subscriptions get at most 4200).
    calendar_push_ttl_s: float = Field(default=7 * 86400.0, ge=600)
    # A channel expiring within this margin is renewed (Google: replaced; Graph: extended).
    calendar_push_renew_margin_s: float = Field(default=12 * 3600.0, ge=60)
    # How often the background work makes missing channels and renews expiring ones.
    calendar_push_interval_s: float = Field(default=900.0, ge=5)

    def calendar_push_on(self) -> bool:
        """Whether channels are made: a public https address, or push forced on."""
        if self.calendar_push == "off" or not self.public_base_url:
            return False
        return self.calendar_push == "on" or self.public_base_url.startswith("https://")

    # --- analysis (issue 17: post-call analysis, ADR 0065) ---
    # With an LLM configured (FRONTDESK_LLM_BASE_URL), it rewords each finished
    # conversation's analysis (summary, intent, success rationale); off: the rules'
    # analysis alone, which costs no model call.
    analysis_llm: bool = True

    # --- webhooks (issue 17, ADR 0063/0064): signed events to the business's endpoints ---
    # How long one delivery may take (connect + answer), in seconds.
    webhook_timeout_s: float = Field(default=15.0, gt=0, le=120)
    # An endpoint whose every attempt has failed for this many days, and at least
    # webhook_disable_after_failures times in a row, is disabled and its owner emailed.
    webhook_disable_after_days: float = Field(default=5.0, ge=0)
    webhook_disable_after_failures: int = Field(default=10, ge=1)
    # Endpoints on loopback, private and other non-public addresses are refused (at
    # registration and at each delivery) unless this is set: any API key chooses the URL.
    webhook_allow_private_hosts: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "FRONTDESK_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; plain URLs would make SQLAlchemy look for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("rate_limit_api_key", "rate_limit_ip", "rate_limit_phone",
                     "rate_limit_login")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a rate limit like '60/minute'") from exc
        return value.strip()

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp_scheme(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("FRONTDESK_OTLP_ENDPOINT must be an http:// or https:// URL "
                             "(the collector's OTLP/HTTP port, usually 4318)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError("FRONTDESK_REDIS_URL must be a redis:// or rediss:// URL")
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'frontdesk.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
