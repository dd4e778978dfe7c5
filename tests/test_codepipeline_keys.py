"""Cross-account pipelines encrypt their artifact stores with a customer-managed KMS key (issue 12, defect 8).

Rule 58 of docs/codepipeline.md (CodePipeline User Guide, "Create a pipeline … that uses resources from another
AWS account"): a cross-account action reads the pipeline's artifacts only through a customer-managed key, named
by id or ARN; the default AWS-managed key serves the pipeline's own account alone. KMS keys are regional, like
the artifact stores (rule 54).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator_helpers import FAST, standins, wavec_run, write

from wavec.api import build
from wavec.config import Config

APP = """pipeline app {{
  role      = "arn:aws:iam::111122223333:role/app"
  artifacts = "app-artifacts-${{region}}"
  {key}
  source s3 {{ bucket = "b"  key = "k.zip" }}
  deploy {{
    role = "arn:aws:iam::${{account}}:role/app-deployer"
    cloudformation {{
      stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::${{account}}:role/app-cloudformation"
    }}
  }}
  wave canary {{ regions = ["eu-west-1"]  accounts = ["{account}"] }}
  wave rest   {{ regions = ["eu-west-1", "us-east-1"]  accounts = ["{account}"] }}
}}
"""
KEY = 'encryption_key = "arn:aws:kms:${region}:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"'
OTHER = "444455556666"


def _build(tmp: Path, key: str = KEY, account: str = OTHER, fmt: str = "json") -> tuple[Any, list[str]]:
    path = tmp / "app.wave"
    path.write_text(APP.format(key=key, account=account), encoding="utf-8")
    result = build(path, "codepipeline", fmt, config=Config())
    codes = [d.code for d in result.diagnostics if d.severity.value == "error"]
    return (json.loads(result.output) if result.output else None), codes


def test_a_cross_account_pipeline_without_a_key_is_an_error(tmp_path: Path) -> None:
    output, errors = _build(tmp_path, key="")
    assert output is None and errors == ["WV923"]


def test_a_single_account_pipeline_needs_no_key(tmp_path: Path) -> None:
    output, errors = _build(tmp_path, key="", account="111122223333")
    assert errors == [] and all("encryptionKey" not in s for s in output["pipeline"]["artifactStores"].values())


def test_each_store_gets_the_key_of_its_region(tmp_path: Path) -> None:
    output, errors = _build(tmp_path)
    assert errors == []
    stores = output["pipeline"]["artifactStores"]
    assert {r: s["encryptionKey"] for r, s in stores.items()} == {
        r: {"id": f"arn:aws:kms:{r}:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab", "type": "KMS"}
        for r in ("eu-west-1", "us-east-1")}
    template, errors = _build(tmp_path, fmt="cloudformation")
    (pipeline,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    assert [s["ArtifactStore"]["EncryptionKey"]["Type"] for s in pipeline["Properties"]["ArtifactStores"]] == \
        ["KMS", "KMS"]


def test_an_alias_or_a_key_of_another_region_is_an_error(tmp_path: Path) -> None:
    assert _build(tmp_path, key='encryption_key = "alias/artifacts"')[1] == ["WV923"]  # once, not per region
    fixed = 'encryption_key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"'
    assert _build(tmp_path, key=fixed)[1] == ["WV923"]  # right for eu-west-1, wrong for us-east-1
    assert _build(tmp_path, key='encryption_key = "1234abcd-12ab-34cd-56ef-1234567890ab"')[1] == ["WV923"]
    # One account: an alias is the user's choice (the AWS-managed key would do too).
    assert _build(tmp_path, key='encryption_key = "alias/artifacts-${region}"', account="111122223333")[1] == []


def test_the_emulator_fails_a_cross_account_deploy_whose_store_has_no_key(tmp_path: Path) -> None:
    # The oracle: the compiled pipeline deploys; the same pipeline with its keys removed (what wavec wrote
    # before this fix) fails at the first cross-account deploy, as CodePipeline would (rule 58).
    output, _ = _build(tmp_path)
    good = wavec_run(tmp_path, write(tmp_path, "good.json", output), "--stand-ins", standins(tmp_path),
                     "--speed", FAST, "--now", "2024-06-03T10:00:00Z")
    assert good.code == 0, good.stderr
    # wave rest deploys its two regions in parallel (one runOrder): their log lines come in either order
    assert good.log[0] == "deploy wave-canary eu-west-1"
    assert sorted(good.log[1:]) == ["deploy wave-rest eu-west-1", "deploy wave-rest us-east-1"]
    for store in output["pipeline"]["artifactStores"].values():
        del store["encryptionKey"]
    bad = wavec_run(tmp_path, write(tmp_path, "bad.json", output), "--stand-ins", standins(tmp_path),
                    "--speed", FAST, "--now", "2024-06-03T10:00:00Z")
    assert bad.code != 0 and bad.log == []
    # The first failure is the deploy's (a rollback of the stage, which re-runs it, cannot read them either).
    failed = [e for e in bad.of("node_finished") if e.get("status") == "failed"]
    assert failed and "rule 58" in json.dumps(failed[0]) and OTHER in json.dumps(failed[0])
