"""Policies end to end, as a user meets them: examples, allow, configuration, output formats, docs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from wavec import check
from wavec.config import load_config

from conftest import EXAMPLES, ROOT, cli

FIXTURES = ROOT / "tests" / "fixtures" / "policy"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def wavec(*args: str) -> tuple[int, str]:
    proc = cli(*args)
    return proc.returncode, proc.stdout


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


# ------------------------------------------------------------------ examples


def test_examples_pass_their_policies() -> None:
    code, out = wavec("check", "examples/")
    assert code == 0 and "All checks passed (4 files)." in out


def test_checkout_enforces_the_hands_off_module(tmp_path: Path) -> None:
    # `policies = [hands_off]` names a module: every policy in it applies.
    text = (EXAMPLES / "checkout.wave").read_text().replace("    bake     = 1h\n    gates    = [health]\n"
                                                          "    windows  = [windows.business_hours]\n  }\n}",
                                                          "    bake     = 10m\n    gates    = [health]\n  }\n}")
    path = tmp_path / "checkout.wave"
    path.write_text(text)
    found = [(d.code, d.primary.line if d.primary else 0, d.rule) for d in check([path]).diagnostics]
    rest = line_of(path, "wave rest")
    assert found == [("HO004", rest, "hands_off"), ("HO006", rest, "hands_off")]


def test_team_policy_example_allow_silences_exactly_pay002_on_world() -> None:
    result = check([EXAMPLES / "team-policy.wave"])
    assert result.diagnostics == []
    [s] = result.suppressions
    world = line_of(EXAMPLES / "team-policy.wave", "wave world")
    assert (s.diagnostic.code, s.diagnostic.primary.line if s.diagnostic.primary else 0) == ("PAY002", world)
    assert s.diagnostic.message == "wave `world`: no wave deploys to more than three regions at once"
    assert s.reason == "four regions at once is accepted for the world wave" and s.kind == "inSource"
    assert s.diagnostic.rule == "payments_team"


def test_team_rules_fire_where_expected(tmp_path: Path) -> None:
    text = (EXAMPLES / "team-policy.wave").read_text()
    text = text.replace('    allow PAY002 "four regions at once is accepted for the world wave"\n', "")
    text = text.replace("bake = 2h  gates = [errors]  parallel = 2", "bake = 1h  gates = [errors]  parallel = 2")
    text = text.replace('    environment { create = "./sandbox.sh up"  destroy = "./sandbox.sh down" }\n', "")
    path = tmp_path / "team.wave"
    path.write_text(text)
    found = [(d.code, d.severity.value, d.primary.line if d.primary else 0) for d in check([path]).diagnostics]
    assert found == [
        ("PAY003", "error", line_of(path, "stage verify")),
        ("PAY001", "error", line_of(path, "wave eu")),
        ("PAY002", "warning", line_of(path, "wave world")),
    ]


# ------------------------------------------------------------------ suppressed findings


def test_show_suppressed_prints_the_reason() -> None:
    code, out = wavec("check", "examples/team-policy.wave")
    assert code == 0 and "PAY002" not in out
    code, out = wavec("check", "--show-suppressed", "examples/team-policy.wave")
    assert code == 0
    assert "1 suppressed finding:" in out and "warning[PAY002]: wave `world`" in out
    assert "= suppressed: four regions at once is accepted for the world wave" in out
    code, out = wavec("check", "--show-suppressed", "--format", "json", "examples/team-policy.wave")
    [item] = json.loads(out)
    assert item["suppressed"] is True and item["code"] == "PAY002" and item["rule"] == "payments_team"


def test_allow_applies_to_the_block_and_its_children(tmp_path: Path) -> None:
    path = tmp_path / "p.wave"
    path.write_text('''
policy team {
  rule T001 "steps have retries" {
    for    = steps
    assert = this.retries > 0
  }
}
pipeline p {
  policies = [team]
  source s3 { bucket = "b"  key = "k" }
  stage a {
    allow T001 "stage a is flaky-free"
    step one { run = "x" }
    step two { run = "y" }
  }
  stage b { step three { run = "z" } }
  deploy { local { run = "d"  rollback = "r" } }
  wave w { regions = ["eu-west-1"] }
}
''')
    result = check([path])
    assert [(d.code, d.message) for d in result.diagnostics] == [("T001", "step `three`: steps have retries")]
    assert sorted(s.diagnostic.message.split(":")[0] for s in result.suppressions) == ["step `one`", "step `two`"]


# ------------------------------------------------------------------ configuration


def project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "wave.toml").write_text(config)
    (tmp_path / "team.wave").write_text(
        'policy team {\n  rule TEAM001 "waves bake two hours" {\n    for = waves\n    assert = this.bake >= 2h\n'
        '  }\n}\n')
    (tmp_path / "svc.wave").write_text((EXAMPLES / "minimal.wave").read_text())
    return tmp_path / "svc.wave"


def test_configured_policies_apply_to_every_pipeline(tmp_path: Path) -> None:
    svc = project(tmp_path, 'policies = ["std/policies/hands_off", "./team.wave"]\n')
    result = check([svc], load_config(tmp_path / "wave.toml"))
    found = [(d.code, d.primary.line if d.primary else 0) for d in result.diagnostics]
    assert found == [("HO007", 2), ("HO008", 2), ("HO009", 2), ("HO003", 24), ("HO004", 24), ("HO005", 24),
                     ("HO006", 24), ("HO010", 24), ("TEAM001", 24)]
    assert {d.rule for d in result.diagnostics} == {"hands_off", "team"}


def test_configured_ignore_and_severity(tmp_path: Path) -> None:
    svc = project(tmp_path, 'policies = ["./team"]\nignore = ["TEAM001"]\n')
    result = check([svc], load_config(tmp_path / "wave.toml"))
    assert result.diagnostics == []
    [s] = result.suppressions
    assert s.kind == "external" and "ignore" in s.reason and s.diagnostic.code == "TEAM001"
    svc = project(tmp_path, 'policies = ["./team"]\n[severity]\nTEAM001 = "info"\n')
    [d] = check([svc], load_config(tmp_path / "wave.toml")).diagnostics
    assert (d.code, d.severity.value) == ("TEAM001", "info")


def test_configured_policy_that_cannot_be_loaded(tmp_path: Path) -> None:
    svc = project(tmp_path, 'policies = ["std/policies/handsoff", "./nope.wave"]\n')
    found = [(d.code, d.message) for d in check([svc], load_config(tmp_path / "wave.toml")).diagnostics]
    assert found == [
        ("WV310", 'policy module "./nope.wave" listed in wave.toml cannot be loaded'),
        ("WV310", 'policy module "std/policies/handsoff" listed in wave.toml cannot be loaded'),
    ]
    proc = cli("check", "svc.wave", cwd=tmp_path)
    assert proc.returncode == 1 and "error[WV310]" in proc.stdout and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ output formats


def sarif_schema() -> dict[str, object]:
    return json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_with_policy_findings_and_suppressions_validates() -> None:
    files = ["tests/fixtures/policy/ho001_fail.wave", "tests/fixtures/policy/gov003_fail.wave",
             "tests/fixtures/policy/ho011_pass.wave", "tests/fixtures/policy/wv301.wave"]
    code, out = wavec("check", "--format", "sarif", "--show-suppressed", *files)
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, sarif_schema())
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["HO001"]["shortDescription"]["text"] == "the first production wave reaches one region and one target"
    assert rules["HO001"]["properties"]["tags"] == ["wavec", "policy"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    loc = by_rule["HO001"]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "tests/fixtures/policy/ho001_fail.wave"
    assert loc["region"]["startLine"] == 18
    assert by_rule["HO011"]["suppressions"] == [
        {"kind": "inSource", "justification": "regulators require a named approver for this service"}]
    assert "suppressions" not in by_rule["HO001"]


def test_github_annotations_carry_file_and_line() -> None:
    code, out = wavec("check", "--format", "github", "tests/fixtures/policy/ho001_fail.wave",
                    "tests/fixtures/policy/ho010_fail.wave")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("::error file=tests/fixtures/policy/ho001_fail.wave,line=18,col=3,")
    assert "title=HO001::HO001: wave `first`: the first production wave" in lines[0]
    assert lines[1].startswith("::warning file=tests/fixtures/policy/ho010_fail.wave,line=20,")


# ------------------------------------------------------------------ explain, rules, docs


def test_explain_a_stdlib_rule() -> None:
    code, out = wavec("explain", "ho002")
    assert code == 0
    assert out.startswith("HO002: a wave reaches at most three times the regions reached before it (error)")
    for part in ("policy `hands_off` in std/policies/hands_off.wave", "Why\n", "CODEPIPELINE_REGION_FANOUT_CHECK",
                 "What it checks\n    for = waves[1:]", "Example\n", "Use instead\n"):
        assert part in out


def test_explain_a_rule_of_your_own_and_unknown_codes() -> None:
    code, out = wavec("explain", "PAY003", "examples/team-policy.wave")
    assert code == 0 and "every test step runs in a sandbox stage" in out
    proc = cli("explain", "HO0001")
    assert proc.returncode == 2 and "did you mean `HO001`?" in proc.stderr


def test_rules_lists_builtin_codes_and_stdlib_rules() -> None:
    code, out = wavec("rules", "--format", "json", "examples/team-policy.wave")
    assert code == 0
    codes = [item["code"] for item in json.loads(out)]
    assert {"WV001", "WV301", "HO001", "GOV007", "PAY001"} <= set(codes)
    assert len(codes) == len(set(codes))


def test_docs_rules_md_is_fresh() -> None:
    code, out = wavec("rules", "--format", "markdown")
    assert code == 0
    assert out == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8"), \
        "docs/rules.md is stale: run `wavec rules --format markdown > docs/rules.md`"


def test_check_without_policies_does_not_import_the_engine() -> None:
    code = ("import sys; from wavec import check; r = check(['examples/minimal.wave']); "
            "print(r.errors, 'wavec.policy.engine' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def test_docs_policies_md_lists_the_current_model_and_builtins() -> None:
    from wavec.docgen.rules import policy_model_markdown

    assert policy_model_markdown() in (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")


def test_an_unknown_code_in_ignore_or_severity_is_an_error(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "minimal.wave", tmp_path / "minimal.wave")
    (tmp_path / "wave.toml").write_text('ignore = ["WV9O8", "HO001"]\n[severity]\nTEAMX = "warning"\n',
                                        encoding="utf-8")
    proc = cli("check", "minimal.wave", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    found = [line for line in proc.stdout.splitlines() if line.startswith("error[WV313]")]
    # WV9O8 is a typo; HO001 is a rule of the standard library's hands_off policy; TEAMX is no rule at all.
    assert len(found) == 2 and "WV9O8" in found[0] and "TEAMX" in found[1]
    (tmp_path / "wave.toml").write_text('ignore = ["WV908", "HO001"]\n', encoding="utf-8")
    assert cli("check", "minimal.wave", cwd=tmp_path).returncode == 0
