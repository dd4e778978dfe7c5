"""The `slow` marker only shortens the inner loop: plain `pytest`, as CI runs it, still selects every test."""

from __future__ import annotations

import shlex
import tomllib

from conftest import ROOT


def test_slow_is_registered_and_plain_pytest_deselects_nothing() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("slow:") for m in options["markers"])
    addopts = shlex.split(options.get("addopts", ""))
    assert not [a for a in addopts if a.startswith("-m")]  # no marker expression by default


def test_ci_runs_plain_pytest() -> None:
    commands = [shlex.split(line) for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    runs = [c for c in commands if c and c[0] == "pytest"]
    assert runs and not [a for c in runs for a in c[1:] if a.startswith("-m")]
