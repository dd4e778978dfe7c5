"""The CodePipeline target on every example: valid for botocore's model, cfn-lint clean, snapshotted, stable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from test_codepipeline_support import cfn_lint, request

from wavec.api import build
from wavec.config import Config
from wavec.targets.codepipeline.service_model import input_shape, model_problems

from conftest import EXAMPLES, ROOT, cli

FIXTURES = ROOT / "tests" / "fixtures" / "codepipeline"
HANDS_OFF = ROOT / "stdlib" / "policies" / "hands_off.wave"
# Our own copies: checkout without its hands_off import (the module is another helper's), and the mapping file.
COPIES = [FIXTURES / "checkout_no_policy.wave", FIXTURES / "mapping.wave"]
INPUTS = sorted(p for p in EXAMPLES.glob("*.wave") if p.name != "checkout.wave") + COPIES


def _id(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", INPUTS, ids=_id)
def test_output_passes_botocore_model_and_matches_snapshot(
    path: Path, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    monkeypatch.chdir(ROOT)
    req = request(path.relative_to(ROOT))
    assert model_problems(req) == []
    assert set(req) == {"pipeline", "tags"}
    assert req == snapshot


@pytest.mark.slow  # cfn-lint, about a second per template
@pytest.mark.parametrize("path", INPUTS, ids=_id)
def test_cloudformation_output_passes_cfn_lint(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    template = request(path.relative_to(ROOT), "cloudformation")
    assert cfn_lint(json.dumps(template)) == []
    # One pipeline; what runs beside it (the compensator) are other resources.
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    assert resource["Properties"]["PipelineType"] == "V2"
    # The same pipeline as the request: every stage and action, in order.
    req = request(path.relative_to(ROOT))["pipeline"]
    assert [[a["Name"] for a in s["Actions"]] for s in resource["Properties"]["Stages"]] == [
        [a["name"] for a in s["actions"]] for s in req["stages"]]
    assert {s["Region"]: s["ArtifactStore"]["Location"] for s in resource["Properties"]["ArtifactStores"]} == {
        r: s["location"] for r, s in req["artifactStores"].items()}


def test_every_example_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file in examples/; checkout.wave once std/policies/hands_off exists (until then: only that)."""
    monkeypatch.chdir(ROOT)
    for path in sorted(EXAMPLES.glob("*.wave")):
        result = build(path.relative_to(ROOT), "codepipeline", config=Config())
        errors = [d for d in result.diagnostics if d.severity.value == "error"]
        if path.name == "checkout.wave" and not HANDS_OFF.exists():
            assert [(d.code, "hands_off" in d.message) for d in errors] == [("WV110", True)]
            continue
        assert errors == [], path
        assert result.output is not None
        assert model_problems(json.loads(result.output)) == []


@pytest.mark.slow  # cfn-lint
def test_cfn_lint_really_checks() -> None:
    template = request(EXAMPLES / "minimal.wave", "cloudformation")
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    resource["Properties"]["Stages"][1]["OnFailure"] = {"Result": "FAIL"}
    assert any("E3030" in f for f in cfn_lint(json.dumps(template)))


def test_model_walk_catches_what_param_validator_skips() -> None:
    req = request(EXAMPLES / "minimal.wave")
    pipeline = req["pipeline"]
    pipeline["executionMode"] = "EVENTUAL"  # enum
    pipeline["stages"][1]["actions"][0]["name"] = "x" * 101  # max length
    pipeline["stages"][1]["name"] = "has space"  # pattern
    pipeline["stages"][1]["actions"][0]["runOrder"] = 1000  # numeric range
    pipeline["stages"][1]["actions"][0]["commands"] = ["true"] * 51  # list size
    from botocore.validate import ParamValidator

    assert not ParamValidator().validate(req, input_shape()).has_errors()
    problems = "\n".join(model_problems(req))
    for fragment in ("EVENTUAL", "101 characters", "has space", "more than 999", "51 items"):
        assert fragment in problems


def test_model_problems_reports_a_single_unknown_key() -> None:
    # botocore's report has no header line: with one error, that error is the whole report.
    req = request(EXAMPLES / "minimal.wave")
    req["pipeline"]["bogus"] = 1
    problems = model_problems(req)
    assert len(problems) == 1
    assert 'Unknown parameter in pipeline: "bogus"' in problems[0]


def test_model_problems_reports_every_param_validator_error() -> None:
    req = request(EXAMPLES / "minimal.wave")
    req["pipeline"]["bogus"] = 1
    req["pipeline"]["stages"][0]["other"] = 2
    problems = "\n".join(model_problems(req))
    assert '"bogus"' in problems and '"other"' in problems


@pytest.mark.slow  # one fresh interpreter per hash seed
def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "wavec", "build", "tests/fixtures/codepipeline/mapping.wave",
                               "--target", "codepipeline", "-o", str(out)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert str(ROOT).encode() not in outputs[0]


def test_cli_build_formats() -> None:
    proc = cli("build", "examples/minimal.wave", "--target", "codepipeline")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["pipeline"]["name"] == "hello"
    proc = cli("build", "examples/minimal.wave", "--target", "codepipeline", "--format", "cloudformation")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["AWSTemplateFormatVersion"] == "2010-09-09"
    proc = cli("build", "examples/minimal.wave", "--target", "codepipeline", "--format", "yaml")
    assert proc.returncode == 2 and "no format 'yaml'" in proc.stderr


def test_build_does_not_import_boto3_at_check_time() -> None:
    code = "import sys, wavec.cli as c; c.main(['check', 'examples/minimal.wave']); print('boto3' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().endswith("False")
