"""Inputs that once crashed a command (found by hand or by the fuzzer), kept in ``tests/fuzz/corpus/``.

Every command a user may run on a file — ``check``, ``plan``, ``graph``, ``build`` for each target — answers
each of them with diagnostics or output, never a traceback; the first line of each file says what it once broke.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import cli

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.wave"))
COMMANDS = [("check",), ("plan",), ("graph",), ("build", "--target", "codepipeline"), ("build", "--target", "local")]


def test_the_corpus_holds_the_inputs_of_issue_19() -> None:
    assert {p.stem for p in CORPUS} >= {"number-4301-digits", "bake-3000000d", "bake-a-year"}


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_answers_a_corpus_input_without_a_traceback(path: Path, command: tuple[str, ...],
                                                                  tmp_path: Path) -> None:
    (tmp_path / "wave.toml").write_text("", encoding="utf-8")
    shutil.copy(path, tmp_path / path.name)
    result = cli(*command, path.name, cwd=tmp_path)  # an exception would propagate and fail the test
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if result.returncode == 1:
        assert "error[WV" in result.stdout + result.stderr
