"""Every example checks cleanly, with the policies it names (the CLI, as a user runs it)."""

from __future__ import annotations

from wavec import check
from wavec.config import Config

from conftest import EXAMPLES, cli


def test_examples_check_cleanly_with_their_policies() -> None:
    result = check([EXAMPLES], Config())
    names = [p.name for p in result.pipelines]
    assert {"checkout", "hello", "payments"} <= set(names)
    assert result.diagnostics == []
    checkout = next(p for p in result.pipelines if p.name == "checkout")
    assert [p.name for p in checkout.policies] == ["hands_off"]
    assert len(checkout.policies[0].rules) >= 10


def test_cli_check_examples_exits_zero() -> None:
    proc = cli("check", "examples/")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("All checks passed")


def test_cli_missing_file_is_a_usage_error() -> None:
    proc = cli("check", "does/not/exist.wave")
    assert proc.returncode == 2
    assert "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_standard_library_and_rehearsal_are_in_canonical_layout() -> None:
    # What we ship is what `wavec fmt` writes (the spec's examples are kept as the spec wrote them).
    proc = cli("fmt", "--check", "stdlib", "examples/rehearsal")
    assert proc.returncode == 0, proc.stdout + proc.stderr
