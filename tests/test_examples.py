"""Every example checks cleanly (the CLI, as a user runs it)."""

from __future__ import annotations

from wavec import check

from conftest import EXAMPLES, run_wavec


def test_examples_have_no_errors_except_the_missing_policy_module() -> None:
    result = check([EXAMPLES])
    assert [p.name for p in result.pipelines] == ["checkout", "hello", "payments"]
    unexpected = [d for d in result.diagnostics if not (d.code == "WV110" and "hands_off" in d.message)]
    assert unexpected == []


def test_cli_check_minimal_example_exits_zero() -> None:
    proc = run_wavec("check", "examples/minimal.wave")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed (1 file)." in proc.stdout


def test_cli_missing_file_is_a_usage_error() -> None:
    proc = run_wavec("check", "does/not/exist.wave")
    assert proc.returncode == 2
    assert "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr
