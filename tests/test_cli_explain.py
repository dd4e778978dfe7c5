"""`wavec rules` and `wavec explain`: the registry, as a user reads it."""

from __future__ import annotations

from pathlib import Path

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


def test_explain_knows_the_rules_of_the_configured_policies_without_files(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "wave.toml").write_text('policies = ["./policies/team.wave"]\n', encoding="utf-8")
    (tmp_path / "policies" / "team.wave").write_text(
        'policy team {\n  rule TEAM001 "waves bake at least an hour" {\n    for    = waves\n'
        '    assert = this.bake >= 1h\n  }\n}\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    for where in (tmp_path, tmp_path / "sub"):  # the configuration is found from the working folder up
        proc = cli("explain", "team001", cwd=where)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("TEAM001: waves bake at least an hour (error)")
    assert cli("explain", "TEAM002", cwd=tmp_path).returncode == 2
