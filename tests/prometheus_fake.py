"""A Prometheus HTTP API on 127.0.0.1 for tests: ``GET /api/v1/query`` answers from a script of values.

The n-th query (counted across every client: the runner, the emulator's Commands actions) answers
``values[n]`` as a one-sample vector (the last value repeats); a value given as a ``dict`` is sent as the whole
body instead (an error answer, another result type). :meth:`FakePrometheus.reset` starts the count again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class FakePrometheus:
    """The server's state: the scripted values and the queries asked so far."""

    def __init__(self, values: Sequence[float | dict[str, Any]]) -> None:
        self.values = list(values)
        self.queries: list[str] = []
        self.lock = threading.Lock()
        self.url = ""

    def reset(self, values: Sequence[float | dict[str, Any]] | None = None) -> None:
        """Forget the queries asked (and, given ``values``, answer those from now on)."""
        with self.lock:
            self.queries.clear()
            if values is not None:
                self.values = list(values)

    def answer(self, query: str) -> dict[str, Any]:
        """The body of the answer to ``query``, the next of the script."""
        with self.lock:
            n = len(self.queries)
            self.queries.append(query)
            value = self.values[min(n, len(self.values) - 1)]
        if isinstance(value, dict):
            return value
        return {"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"job": "app"}, "value": [1700000000 + n, repr(float(value))]}]}}


@contextmanager
def fake_prometheus(values: Sequence[float | dict[str, Any]]) -> Iterator[FakePrometheus]:
    """Serve a :class:`FakePrometheus` on a free port of 127.0.0.1 for the ``with`` block."""
    state = FakePrometheus(values)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            if parsed.path != "/api/v1/query":
                self.send_error(404)
                return
            body = json.dumps(state.answer(parse_qs(parsed.query).get("query", [""])[0])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
