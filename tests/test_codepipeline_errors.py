"""Errors instead of silent misbehaviour on CodePipeline (issue 12, defects 5 and 6).

* Defect 6 — rule 11 of docs/codepipeline.md: "For pipelines in PARALLEL mode, stage rollback is not available.
  Similarly, failure conditions with a rollback result type cannot be added". A rollback gate in a PARALLEL
  pipeline used to compile (to an ``onFailure: ROLLBACK`` the service refuses); it is now the error WV921.
* Defect 5 — the CloudFormation deploy action reference (docs/codepipeline.md, "Other AWS rules", CFN-1):
  ``RoleArn`` "is required for the following action modes: CREATE_UPDATE, …". Deploy actions used to have none;
  the ``cloudformation`` block's ``role`` is now the action's ``RoleArn``, and a block without one is WV922.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wavec.api import build
from wavec.config import Config
from wavec.diagnostics.codes import registry
from wavec.targets.codepipeline.context import ROLE_RE

from conftest import EXAMPLES, ROOT

CFN_ROLE = 'role = "arn:aws:iam::${account}:role/app-cloudformation"'


def _pipeline(mode: str, gates: str, waves: str, cfn_role: str = CFN_ROLE) -> str:
    return f'''pipeline p {{
  role           = "arn:aws:iam::111122223333:role/p"
  artifacts      = "p-artifacts-${{region}}"
  execution_mode = {mode}
  source s3 {{ bucket = "src"  key = "src.zip" }}
  deploy {{ cloudformation {{ stack = "app"  template = "source::template.yaml"  {cfn_role} }} }}
{gates}{waves}}}
'''


def _build(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "p.wave"
    path.write_text(text, encoding="utf-8")
    return build(path, "codepipeline", config=Config())


GATES = '''  gate errors { alarms = ["errors-${region}"]  on_breach = rollback_all }
  gate latency { alarms = ["latency-${region}"]  on_breach = rollback }
  gate saturation { alarms = ["saturation-${region}"]  on_breach = halt }
'''
WAVES = '''  wave first  { regions = ["eu-west-1"]  gates = [latency, saturation]  bake = 30m }
  wave second { regions = ["eu-west-1", "us-east-1"]  gates = [errors]  bake = 30m }
'''


# ------------------------------------------------------------------ defect 6: PARALLEL mode and rollback (rule 11)
@pytest.mark.parametrize("on_breach", ["rollback", "rollback_all"])
def test_rule_11_a_rollback_gate_in_parallel_mode_is_an_error(tmp_path: Path, on_breach: str) -> None:
    gates = f'  gate g {{ alarms = ["errors-${{region}}"]  on_breach = {on_breach} }}\n'
    result = _build(tmp_path, _pipeline("parallel", gates, '  wave w { regions = ["eu-west-1"]  gates = [g] }\n'))
    assert [(d.code, d.severity.value, d.primary.line) for d in result.diagnostics] == [("WV921", "error", 4)]
    assert "gate `g`" in result.diagnostics[0].message
    assert result.output is None, "no pipeline is written whose onFailure the service refuses"


def test_rule_11_the_error_names_every_rollback_gate_once_and_says_what_to_write(tmp_path: Path) -> None:
    result = _build(tmp_path, _pipeline("parallel", GATES, WAVES))
    [d] = result.diagnostics
    assert d.code == "WV921" and d.primary is not None
    assert d.primary.file.text[d.primary.start:d.primary.end] == "execution_mode = parallel"
    assert "`latency`, `errors`" in d.message and "saturation" not in d.message
    assert d.help is not None and "execution_mode = queued" in d.help and "on_breach = halt" in d.help
    assert "WV931" not in registry(), "the PARALLEL warning is retired: the case is WV921's"


def test_rule_11_parallel_mode_with_halting_gates_compiles_without_rollback(tmp_path: Path) -> None:
    gates = '  gate g { alarms = ["errors-${region}"]  on_breach = halt }\n'
    result = _build(tmp_path, _pipeline("parallel", gates, '  wave w { regions = ["eu-west-1"]  gates = [g] }\n'))
    assert result.diagnostics == [] and result.output is not None
    pipeline = json.loads(result.output)["pipeline"]
    assert pipeline["executionMode"] == "PARALLEL"
    assert all("onFailure" not in stage for stage in pipeline["stages"])


@pytest.mark.parametrize("mode", ["queued", "superseded"])
def test_rule_11_other_modes_keep_the_rollback(tmp_path: Path, mode: str) -> None:
    result = _build(tmp_path, _pipeline(mode, GATES, WAVES))
    assert not [d for d in result.diagnostics if d.severity.value == "error"]
    stages = {s["name"]: s for s in json.loads(result.output)["pipeline"]["stages"]}
    assert stages["wave-first"]["onFailure"] == {"result": "ROLLBACK"}
    assert stages["wave-second"]["onFailure"] == {"result": "ROLLBACK"}


# ------------------------------------------------------- defect 5: CloudFormation deploy actions need RoleArn (CFN-1)
EXAMPLE_FILES = [*sorted(EXAMPLES.glob("*.wave")), EXAMPLES / "rehearsal" / "shop.wave",
                 ROOT / "tests" / "fixtures" / "codepipeline" / "mapping.wave",
                 ROOT / "tests" / "fixtures" / "codepipeline" / "checkout_no_policy.wave"]


def _cfn_actions(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for s in request["pipeline"]["stages"] for a in s["actions"]
            if a["actionTypeId"]["category"] == "Deploy" and a["actionTypeId"]["provider"] == "CloudFormation"]


@pytest.mark.parametrize("path", [p for p in EXAMPLE_FILES if p.name != "team-policy.wave"],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_cfn_1_every_cloudformation_deploy_action_of_the_examples_has_a_role_arn(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = build(path.relative_to(ROOT), "codepipeline", config=Config())
    assert result.output is not None, [d.message for d in result.diagnostics]
    actions = _cfn_actions(json.loads(result.output))
    assert actions, "every example deploys with CloudFormation"
    for action in actions:
        config = action["configuration"]
        assert config["ActionMode"] == "CREATE_UPDATE"
        assert ROLE_RE.fullmatch(config["RoleArn"]), (action["name"], config.get("RoleArn"))
        assert "${" not in config["RoleArn"]


def test_cfn_1_a_cloudformation_block_without_role_is_an_error_once_per_block(tmp_path: Path) -> None:
    waves = '  wave first { regions = ["eu-west-1"] }\n  wave rest { regions = ["eu-west-1", "us-east-1"] }\n'
    result = _build(tmp_path, _pipeline("queued", "", waves, cfn_role=""))
    assert [(d.code, d.severity.value, d.primary.line) for d in result.diagnostics] == [("WV922", "error", 6)]
    assert "stack `app`" in result.diagnostics[0].message and "RoleArn" in result.diagnostics[0].message
    assert result.output is None


def test_cfn_1_the_role_is_rendered_per_target_account(tmp_path: Path) -> None:
    wave = '  wave w { regions = ["eu-west-1"]  accounts = ["444455556666", "777788889999"] }\n'
    text = _pipeline("queued", "", wave)
    text = text.replace("  deploy {", '  deploy { role = "arn:aws:iam::${account}:role/deployer"')
    text = text.replace("  source ", '  encryption_key = "arn:aws:kms:${region}:111122223333:key/k"\n  source ', 1)
    result = _build(tmp_path, text)
    assert result.output is not None, [d.message for d in result.diagnostics]
    roles = {a["name"]: a["configuration"]["RoleArn"] for a in _cfn_actions(json.loads(result.output))}
    assert roles == {"deploy-eu-west-1-444455556666": "arn:aws:iam::444455556666:role/app-cloudformation",
                     "deploy-eu-west-1-777788889999": "arn:aws:iam::777788889999:role/app-cloudformation"}


def test_cfn_1_a_role_that_is_no_arn_is_wv901(tmp_path: Path) -> None:
    result = _build(tmp_path, _pipeline("queued", "", '  wave w { regions = ["eu-west-1"] }\n',
                                        cfn_role='role = "app-cloudformation"'))
    assert [d.code for d in result.diagnostics] == ["WV901"]
