"""Identity providers people sign in to the dashboard with (OpenID Connect: Google,
Microsoft): an adapter, like ``calendars``, that speaks their wire format."""
