"""Fixtures of the fuzz suite: one project folder per session (hypothesis forbids function-scoped ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import make_project


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root holding ``lib.wave``, where fuzzed files are written and checked."""
    return make_project(tmp_path_factory.mktemp("fuzz"))
