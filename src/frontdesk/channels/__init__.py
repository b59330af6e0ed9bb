"""Doors into the conversation engine: each translates one wire format, nothing more.

- ``chat``: frontdesk's own JSON chat API (``/api/v1/chat``) and conversation records.
- ``openai_compat``: an OpenAI-compatible ``/v1/chat/completions`` for voice platforms
  (Telnyx AI Assistant external LLM, Vapi custom LLM, ...) and any OpenAI SDK.
- ``retell``: Retell AI's custom-LLM WebSocket.
"""
