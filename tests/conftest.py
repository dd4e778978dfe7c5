"""Shared fixtures: paths of the repository, and the command line run in this process or as a subprocess.

Most tests only need a command's exit code and output: :func:`cli` runs ``wavec.cli.main`` in this process
(no interpreter start, no re-import). :func:`cli_process` runs ``python -m wavec`` as a user would; use it
only where the process boundary is what the test is about (start-up, signals, the runner's children).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def root() -> Path:
    return ROOT


def cli(*args: str, cwd: Path | str | None = None, env: Mapping[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `wavec ARGS` in this process, as :func:`cli_process` would in a child: the working folder is
    CWD (default: the repository), the environment is ENV when given (replacing this one, like
    ``subprocess.run(env=...)``), stdin is INPUT (empty when not given), and stdout/stderr are captured.
    An argparse exit (``--help``, a bad option) gives its exit code; any other exception propagates, so a
    crash fails the test with its traceback. The working folder, environment and streams are restored."""
    from wavec.cli.app import main

    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    saved_cwd, saved_env = os.getcwd(), dict(os.environ)
    saved_streams, saved_size = (sys.stdin, sys.stdout, sys.stderr), shutil.get_terminal_size
    try:
        os.chdir(cwd if cwd is not None else ROOT)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        sys.stdin, sys.stdout, sys.stderr = stdin, out, err
        shutil.get_terminal_size = _piped_terminal_size  # argparse's help width, even under `pytest -s`
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, a usage error
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=err)
                code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        shutil.get_terminal_size = saved_size
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["wavec", *args], code, out.getvalue(), err.getvalue())


def _piped_terminal_size(fallback: tuple[int, int] = (80, 24)) -> os.terminal_size:
    """``shutil.get_terminal_size`` as a child process whose output is a pipe sees it: $COLUMNS and $LINES, or
    the fallback (this process's own terminal does not count)."""
    size = []
    for name, default in zip(("COLUMNS", "LINES"), fallback, strict=True):
        try:
            size.append(int(os.environ[name]) or default)
        except (KeyError, ValueError):
            size.append(default)
    return os.terminal_size(size)


def cli_process(*args: str, cwd: Path | str | None = None, env: Mapping[str, str] | None = None,
                input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m wavec ARGS` in a child process as a user would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "wavec", *args], cwd=cwd or ROOT, env=env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


MOTO_ACCOUNT = "111122223333"  # the account of the examples' role ARNs


@contextlib.contextmanager
def moto_process(account: str | None = MOTO_ACCOUNT, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """A moto server on 127.0.0.1 on a free port, in ``account``, as long as the block lasts; yields its URL.
    With ``account=None`` each request's account is its credentials' (moto's multi-account mode: credentials
    from ``sts:AssumeRole`` of a role ARN in another account act in that account).

    boto3 talks real HTTP to it. ``MOTO_PORT`` is set to its port, so the SDK calls of the state machines its
    Step Functions interpreter executes reach the same server; ``env`` adds or overrides variables.
    """
    port = free_port()
    full = {**os.environ, "MOTO_ACCOUNT_ID": account or "", "MOTO_PORT": str(port), **(env or {})}
    if account is None:
        del full["MOTO_ACCOUNT_ID"]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.kill()  # its state is in memory and thrown away; SIGTERM takes werkzeug half a second
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The URL of one moto server for the whole session, in account MOTO_ACCOUNT. Tests that use it start with
    POST /moto-api/reset."""
    with moto_process() as url:
        yield url


# --- hypothesis profiles (fuzz suite, tests/fuzz) -------------------------------------------------
# "ci" (the default) keeps the whole fuzz suite well under 30 s; run the long budget on demand with
# `HYPOTHESIS_PROFILE=long pytest tests/fuzz`. Deadlines are off: a first check pays for Lark's cache.
settings.register_profile("ci", max_examples=30, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=3000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The release's distributions, built once per session for tests/test_packaging.py and tests/test_wheel.py.
@dataclass(frozen=True)
class Dists:
    """The sdist and the wheel `python -m build` made from a clean copy of the checkout, and its output."""

    sdist: Path
    wheel: Path
    log: str


def _source_copy(dest: Path) -> Path:
    """The files a release is built from: the checkout's, without what git ignores (caches, venvs, builds)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                            check=False)
    if listed.returncode == 0 and listed.stdout:
        for name in filter(None, listed.stdout.decode().split("\0")):
            src = ROOT / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    else:  # not a git checkout (e.g. the unpacked sdist itself)
        shutil.copytree(ROOT, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            ".git", ".venv", "*.egg-info", "build", "dist", "__pycache__", ".*_cache", ".hypothesis", ".wavec"))
    return dest


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    src = _source_copy(tmp_path_factory.mktemp("release") / "wavec")
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONDONTWRITEBYTECODE", "PYTHONPATH"}}
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "-o", str(out),
                           str(src)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sdist,) = out.glob("wavec-*.tar.gz")
    (wheel,) = out.glob("wavec-*.whl")
    return Dists(sdist, wheel, proc.stdout + proc.stderr)
