"""Diagnostics are deterministic: checking the same input twice renders byte-identical text, JSON and SARIF.

Schema-driven files are covered in ``test_fuzz_frontend.py`` (one generation, two checks); determinism
across processes and PYTHONHASHSEED values is ``tests/test_determinism.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from .harness import check_source
from .strategies import token_soup, valid_files


@pytest.mark.slow  # a hypothesis search
@given(token_soup())
def test_syntax_error_diagnostics_are_identical_across_runs(project: Path, text: str) -> None:
    assert check_source(project, text).rendered == check_source(project, text).rendered


@pytest.mark.slow  # a hypothesis search
@given(valid_files())
def test_valid_file_diagnostics_are_identical_across_runs(project: Path, text: str) -> None:
    assert check_source(project, text).rendered == check_source(project, text).rendered
