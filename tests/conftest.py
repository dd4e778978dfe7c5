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
