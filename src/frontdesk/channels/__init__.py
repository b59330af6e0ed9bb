"""Doors into the conversation engine: each translates one wire format, nothing more.

A door verifies its caller, reads the provider's format, calls the conversation layer
(``Agent``, the SMS desk, the phone-call rules) and services, and answers in the
provider's format. Doors never touch the store.

- ``chat``: frontdesk's own JSON chat API (``/api/v1/chat``) and conversation records.
- ``openai_compat``: an OpenAI-compatible ``/v1/chat/completions`` for voice platforms
  (Telnyx AI Assistant external LLM, Vapi custom LLM, ...) and any OpenAI SDK.
- ``retell``: Retell AI's custom-LLM WebSocket.
- ``twilio_voice`` (+ ``twilio_twiml``), ``telnyx_voice``: phone calls by webhook.
- ``sms``: texts from Twilio and Telnyx.
- ``signatures``: the one Twilio and the one Telnyx webhook verifier all of them use.
"""
