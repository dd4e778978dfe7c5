#!/usr/bin/env python3
"""A pretend fleet for rehearsing a rollout with `wavec run`: one tiny HTTP service per region on 127.0.0.1.

    python3 fleet.py up REGION       deploy: start the service of REGION (version $SHOP_VERSION, default v2)
    python3 fleet.py down REGION     roll back: stop it
    python3 fleet.py health REGION   exit 0 when GET /health answers 200, else 1
    python3 fleet.py selftest        the "unit tests" of this service

Set WAVE_FAULT_REGION=eu-west-1 (comma-separated for several) to ship a broken build to that region: its
/health answers 500, the bake's health gate breaches and `wavec run` rolls the wave back.

Services keep their state under $TMPDIR/wavec-rehearsal/<execution id>/ and stop on their own when the
`wavec run` that started them ends ($WAVE_RUNNER_PID), so a rehearsal leaves no process behind.
Standard library only.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


def state_dir() -> Path:
    run = os.environ.get("WAVE_EXECUTION", "manual")
    path = Path(tempfile.gettempdir()) / "wavec-rehearsal" / run
    path.mkdir(parents=True, exist_ok=True)
    return path


def faulty(region: str) -> bool:
    return region in {r.strip() for r in os.environ.get("WAVE_FAULT_REGION", "").split(",") if r.strip()}


def up(region: str) -> int:
    down(region)  # a redeploy replaces the running version
    port_file = state_dir() / f"{region}.port"
    proc = subprocess.Popen([sys.executable, __file__, "serve", region], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (state_dir() / f"{region}.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + 10
    while not port_file.exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            print(f"{region}: the service did not start", file=sys.stderr)
            return 1
        time.sleep(0.01)
    version = os.environ.get("SHOP_VERSION", "v2")
    print(f"{region}: shop {version} listening on 127.0.0.1:{port_file.read_text()}")
    return 0


def down(region: str) -> int:
    pid_file = state_dir() / f"{region}.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink(missing_ok=True)
        (state_dir() / f"{region}.port").unlink(missing_ok=True)
        print(f"{region}: stopped")
    return 0


def health(region: str) -> int:
    port_file = state_dir() / f"{region}.port"
    if not port_file.exists():
        print(f"{region}: not deployed")
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port_file.read_text()}/health", timeout=2) as r:
            print(f"{region}: {r.status} {r.read().decode()}")
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{region}: {exc.code} {exc.read().decode()}")
    except OSError as exc:
        print(f"{region}: unreachable ({exc})")
    return 1


def serve(region: str) -> int:
    broken = faulty(region)
    version = os.environ.get("SHOP_VERSION", "v2")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/health" and not broken
            body = f"shop {version} in {region}: {'ok' if ok else 'ERROR 5xx'}".encode()
            self.send_response(200 if ok else 500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file = state_dir() / f"{region}.port"
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(str(server.server_address[1]))
    tmp.replace(port_file)
    runner = int(os.environ.get("WAVE_RUNNER_PID", "0"))

    def watch() -> None:  # stop when the rehearsal that started us is over (or after an hour, whatever happens)
        started = time.monotonic()
        while time.monotonic() - started < 3600:
            time.sleep(0.2)
            if runner:
                try:
                    os.kill(runner, 0)
                except ProcessLookupError:
                    break
        server.shutdown()

    threading.Thread(target=watch, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    port_file.unlink(missing_ok=True)
    return 0


def selftest() -> int:
    assert not faulty("nowhere")
    print("selftest: ok")
    return 0


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "health": health, "serve": serve}
    if argv[:1] == ["selftest"]:
        return selftest()
    if len(argv) != 2 or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
