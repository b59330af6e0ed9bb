"""Encryption at rest for stored credentials (e.g. external calendar passwords).

The key is ``FRONTDESK_SECRET_KEY`` (a Fernet key), from the settings each caller hands
in. Outside production an empty key means: generate one once into ``data_dir/secret.key``
(mode 0600) and reuse it, so a development install works without setup. In production
an empty key is a start-up error: a generated file could be lost with the container and
every stored secret with it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from frontdesk.config import Settings

KEY_FILE = "secret.key"
_lock = threading.Lock()
_ciphers: dict[tuple[str, str, str], tuple[Fernet, bytes]] = {}


class SecretKeyMissing(RuntimeError):
    """Production needs FRONTDESK_SECRET_KEY."""


def _key_from_file(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once (`uvicorn --workers`, replicas on one disk):
    # the key is written whole to a private file and then linked into place, which
    # fails if another process got there first. Either way every process ends up with
    # the one key on disk, and no reader ever sees a half-written file.
    fd, draft = tempfile.mkstemp(dir=data_dir, prefix=".secret-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as sink:
            sink.write(Fernet.generate_key())
        os.chmod(draft, 0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process's key won; use it
    finally:
        os.unlink(draft)
    return path.read_bytes().strip()


def cipher_for(settings: Settings) -> Fernet:
    """The Fernet cipher for these settings (one per key, per process)."""
    return _cipher_and_key(settings)[0]


def _cipher_and_key(settings: Settings) -> tuple[Fernet, bytes]:
    ident = (settings.secret_key, str(settings.data_dir), settings.environment)
    with _lock:
        found = _ciphers.get(ident)
        if found is None:
            if settings.secret_key:
                key = settings.secret_key.encode()
            elif settings.environment == "production":
                raise SecretKeyMissing(
                    "FRONTDESK_SECRET_KEY is not set: production needs a Fernet key to "
                    'encrypt stored credentials (make one with `python -c "from '
                    'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)'
                )
            else:
                key = _key_from_file(settings.data_dir)
            try:
                found = (Fernet(key), key)
            except ValueError as exc:
                raise SecretKeyMissing(
                    "FRONTDESK_SECRET_KEY is not a valid Fernet key (32 url-safe base64 bytes)"
                ) from exc
            _ciphers[ident] = found
        return found


def subkey(settings: Settings, purpose: str) -> bytes:
    """A 32-byte key for one ``purpose`` only (e.g. an HMAC), derived from the server's
    secret key: knowing one purpose's key tells nothing of the secret or of another's."""
    label = b"frontdesk subkey:" + purpose.encode()
    return hmac.new(_cipher_and_key(settings)[1], label, hashlib.sha256).digest()


def encrypt(plain: str, settings: Settings) -> str:
    return cipher_for(settings).encrypt(plain.encode()).decode()


def decrypt(token: str, settings: Settings) -> str:
    """The clear text; raises ``ValueError`` when the key does not match."""
    try:
        return cipher_for(settings).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with this key") from exc


def seal(plain: str, settings: Settings) -> str:
    """An encrypted, timestamped, URL-safe token of ``plain`` (e.g. an OAuth ``state``)."""
    return encrypt(plain, settings)


def unseal(token: str, max_age_s: int, settings: Settings) -> str:
    """What ``seal`` sealed, if it is genuine and younger than ``max_age_s``; else ValueError."""
    try:
        return cipher_for(settings).decrypt(token.encode(), ttl=max_age_s).decode()
    except InvalidToken as exc:
        raise ValueError("the token is not genuine or has expired") from exc
