"""`wavec rules` and `wavec explain`: the registry, as a user reads it."""

from __future__ import annotations

from wavec.diagnostics.codes import registry

from conftest import cli


def test_rules_lists_every_builtin_code() -> None:
    proc = cli("rules")
    assert proc.returncode == 0
    listed = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert set(registry()) <= set(listed)


def test_explain_prints_rationale_and_example() -> None:
    proc = cli("explain", "wv113")
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith("WV113: unknown region (error)")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert heading in out
    assert '"us-east1"' in out and '"us-east-1"' in out


def test_explain_unknown_code_is_a_usage_error_with_a_suggestion() -> None:
    proc = cli("explain", "WV1133")
    assert proc.returncode == 2
    assert "did you mean `WV113`?" in proc.stderr


def test_no_command_prints_help_and_exits_2() -> None:
    proc = cli()
    assert proc.returncode == 2 and "check" in proc.stderr
