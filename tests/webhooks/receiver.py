"""A real webhook receiver for the tests: an HTTP server on a loopback port (a thread) that
verifies every POST with the standardwebhooks library from PyPI, as a billing system would,
and answers what the test scripted (a status, or "hold": keep the request open until released).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    payload: Any  # what verify() returned; None when verification failed
    refused: str | None  # why verification failed

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    answers: list[int | str] = field(default_factory=list)  # then 200 for every request
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[dict[str, Any]]:
        """The verified events, each once (deduplicated on webhook-id), in arrival order."""
        seen: dict[str, dict[str, Any]] = {}
        for request in self.received:
            if request.payload is not None:
                seen.setdefault(request.webhook_id, request.payload)
        return list(seen.values())

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]

    def _handle(self, headers: dict[str, str], body: bytes) -> int | str:
        try:
            payload = Webhook(self.secret).verify(body, headers)
            refused = None
        except WebhookVerificationError as exc:
            payload, refused = None, str(exc)
        with self.lock:
            self.received.append(Received(headers, body, payload, refused))
            if refused is not None:
                answer: int | str = 400
            else:
                answer = self.answers.pop(0) if self.answers else 200
        self.arrived.set()
        return answer


@contextmanager
def receiving(path: str = "/hooks") -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = receiver._handle(headers, body)
            if answer == "hold":
                receiver.release.wait(60)
                answer = 200
            try:
                self.send_response(int(answer))
                if 300 <= int(answer) < 400:
                    self.send_header("location", f"{receiver.url}/elsewhere")
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender is gone (killed while we held its request)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def tampered(request: Received) -> bytes:
    """The request's body with one value changed, as an attacker in the middle would."""
    payload = json.loads(request.body)
    payload["data"]["tampered"] = True
    return json.dumps(payload).encode()
