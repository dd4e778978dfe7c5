"""Shared fixtures: paths of the repository, a runner for the CLI in-process and as a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def root() -> Path:
    return ROOT


def run_wavec(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
              input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m wavec ARGS` as a user would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "wavec", *args], cwd=cwd or ROOT, env=env, input=input,
                          capture_output=True, text=True, timeout=120)


# --- hypothesis profiles (fuzz suite, tests/fuzz) -------------------------------------------------
# "ci" (the default) keeps the whole fuzz suite well under 30 s; run the long budget on demand with
# `HYPOTHESIS_PROFILE=long pytest tests/fuzz`. Deadlines are off: a first check pays for Lark's cache.
import os as _os  # noqa: E402

from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _settings  # noqa: E402

_settings.register_profile("ci", max_examples=30, deadline=None, print_blob=True,
                           suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large])
_settings.register_profile("long", max_examples=3000, deadline=None, print_blob=True,
                           suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large])
_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "ci"))
