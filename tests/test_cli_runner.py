"""The in-process command-line runner of the tests (conftest.cli) behaves like `python -m wavec` and cleans up."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT, cli, cli_process

BAD = "tests/fixtures/check/WV005_colon.wave"

# Exit codes 0, 1 and 2 from every path out of main: a result, diagnostics, argparse's own exits
# (--version, a bad option, no command), a usage error, and stdin.
CASES = [
    (("--version",), None),
    (("check", "examples/minimal.wave"), None),
    (("check", "--format", "json", BAD), None),
    (("check", "--bogus", "examples/minimal.wave"), None),
    ((), None),
    (("explain", "WV1133"), None),
    (("fmt", "-"), "let   a=[1,2]   # c\n"),
]


def _ids(case: tuple[tuple[str, ...], str | None]) -> str:
    return " ".join(case[0]) or "(no arguments)"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_in_process_run_matches_a_process(case: tuple[tuple[str, ...], str | None]) -> None:
    args, stdin = case
    env = {**os.environ, "NO_COLOR": "1"}
    inside, outside = cli(*args, env=env, input=stdin), cli_process(*args, env=env, input=stdin)
    assert (inside.returncode, inside.stdout, inside.stderr) == (outside.returncode, outside.stdout, outside.stderr)


def test_exit_codes_and_streams_of_every_way_out() -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("wavec ") and version.stderr == ""
    bad_option = cli("check", "--bogus", "examples/minimal.wave")
    assert bad_option.returncode == 2 and "unrecognized arguments: --bogus" in bad_option.stderr
    errors = cli("check", BAD)
    assert errors.returncode == 1 and "error[" in errors.stdout
    formatted = cli("fmt", "-", input="let   a=1\n")
    assert formatted.returncode == 0 and formatted.stdout == "let a = 1\n"


def test_working_folder_environment_streams_and_terminal_size_are_restored(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "minimal.wave", tmp_path / "here.wave")

    def state() -> tuple[object, ...]:
        return os.getcwd(), dict(os.environ), sys.stdin, sys.stdout, sys.stderr, shutil.get_terminal_size

    before = state()
    proc = cli("check", "here.wave", cwd=tmp_path, env={"ONLY": "this"})
    assert proc.returncode == 0 and "All checks passed (1 file)." in proc.stdout, proc.stderr  # ran in tmp_path
    assert state() == before
    with pytest.raises(FileNotFoundError):
        cli("check", "x.wave", cwd=tmp_path / "missing")
    assert state() == before


def test_default_folder_is_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # like cli_process: relative paths are the checkout's unless cwd says otherwise
    proc = cli("check", "examples/minimal.wave")
    assert proc.returncode == 0, proc.stderr
    assert os.getcwd() == str(tmp_path) and (ROOT / "examples" / "minimal.wave").is_file()
