"""``frontdesk webhook listen``: a real process that receives a signed event, says it
verified, and refuses (401) one signed with another secret."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

from frontdesk.senders import webhook_signing

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _post(url: str, secret: str, body: bytes) -> int:
    headers = {**webhook_signing.headers(secret, "msg_test1", body),
               "content-type": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_listen_prints_each_event_and_whether_it_verified() -> None:
    listener = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "webhook", "listen", "--port", "0",
         "--secret", SECRET], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert listener.stdout is not None
        first = listener.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        url = first.split()[2]
        body = json.dumps({"id": "msg_test1", "type": "webhook.test", "data": {}}).encode()
        assert _post(url, SECRET, body) == 204
        assert listener.stdout.readline().strip() == (
            "msg_test1 webhook.test: signature verified")
        other = "whsec_" + "QUJD" * 8
        assert _post(url, other, body) == 401
        while "INVALID" not in (line := listener.stdout.readline()):
            assert line, "the listener stopped"
        assert line.startswith("msg_test1 webhook.test: signature INVALID")
    finally:
        listener.terminate()
        listener.wait(timeout=10)
