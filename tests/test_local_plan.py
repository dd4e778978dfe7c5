"""The local plan (`wavec build --target local`): schema-valid for every example, deterministic, shell-safe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from wavec import check
from wavec.dag.build import build as build_graph
from wavec.diagnostics import Sink
from wavec.lang.values import Template, Var
from wavec.plan_format import load
from wavec.targets.local import plan, shell_command

from conftest import EXAMPLES, ROOT, cli

FIXTURES = ROOT / "tests" / "fixtures" / "runner"
EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.wave"))


def plans_of(path: Path) -> list[dict[str, object]]:
    """Plans of every pipeline in ``path`` (the IR exists even while a policy module is missing)."""
    result = check([path])
    return [plan(p, build_graph(p), Sink()) for p in result.pipelines]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_every_example_plan_validates_against_the_shipped_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(load("wavec-plan-1"))
    plans = plans_of(path)
    for doc in plans:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
        ids = [n["id"] for n in doc["nodes"]]  # type: ignore[index]
        assert len(ids) == len(set(ids))
        for node in doc["nodes"]:  # type: ignore[attr-defined]
            assert set(node["dependencies"]) <= set(ids)


def test_schema_is_valid_and_rejects_a_broken_plan() -> None:
    schema = load("wavec-plan-1")
    jsonschema.Draft202012Validator.check_schema(schema)
    (doc,) = plans_of(EXAMPLES / "minimal.wave")
    doc["nodes"][0]["kind"] = "teleport"  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_minimal_plan_lists_every_node_with_dependencies() -> None:
    (doc,) = plans_of(EXAMPLES / "minimal.wave")
    nodes = {n["id"]: n for n in doc["nodes"]}  # type: ignore[attr-defined]
    assert list(nodes) == ["stage:test:step:unit", "wave:only:deploy:eu-west-1", "wave:only:bake",
                           "wave:only:rollback:eu-west-1"]
    deploy = nodes["wave:only:deploy:eu-west-1"]
    assert deploy["command"] == 'echo deploy "${WAVE_REGION}"'
    assert deploy["environment"] == {"WAVE_ACCOUNT": "111122223333", "WAVE_EXPOSURE": "100", "WAVE_PIPELINE": "hello",
                                     "WAVE_REGION": "eu-west-1", "WAVE_WAVE": "only"}
    assert deploy["dependencies"] == ["stage:test:step:unit"]
    assert nodes["wave:only:rollback:eu-west-1"]["command"] == 'echo rollback "${WAVE_REGION}"'
    assert nodes["stage:test:step:unit"]["timeout"] == 3600
    (wave,) = doc["waves"]  # type: ignore[attr-defined]
    assert wave["batches"] == [["wave:only:deploy:eu-west-1"]]
    assert wave["rollback"] == ["wave:only:rollback:eu-west-1"]


def test_checkout_plan_expands_gates_per_region_and_batches() -> None:
    (doc,) = plans_of(EXAMPLES / "checkout.wave")
    rest = next(w for w in doc["waves"] if w["name"] == "rest")  # type: ignore[attr-defined]
    assert [len(b) for b in rest["batches"]] == [2, 2, 1]
    (gate,) = rest["gates"]
    assert gate["on_breach"] == "rollback" and gate["interval"] == 60
    names = [a["name"] for a in gate["alarms"]]
    assert "checkout-5xx-eu-central-1" in names and "checkout-latency-p99-sa-east-1" in names
    assert [b["name"] for b in gate["blockers"]][:1] == ["checkout-sev2-open-eu-central-1"]
    assert rest["windows"][0] == {"name": "business_hours", "days": ["mon", "tue", "wed", "thu", "fri"],
                                  "hours": ["09:00", "17:00"], "cron": None, "timezone": "UTC"}
    sandbox = next(n for n in doc["nodes"] if n["id"] == "stage:sandbox:create")  # type: ignore[attr-defined]
    assert sandbox["command"] == 'make sandbox-up ENV=sbx-"${WAVE_EXECUTION}"'


@pytest.mark.parametrize(("parts", "expected"), [
    (("deploy.sh ", Var("region")), 'deploy.sh "${WAVE_REGION}"'),
    (('echo "region=', Var("region"), '"'), 'echo "region=${WAVE_REGION}"'),
    (("echo 'at ", Var("region"), "'"), "echo 'at '\"${WAVE_REGION}\"''"),
    (("echo \\'", Var("region")), "echo \\'\"${WAVE_REGION}\""),
    (('echo "a\\"', Var("stage"), '"'), 'echo "a\\"${WAVE_STAGE}"'),
])
def test_interpolation_becomes_a_quoted_variable_reference(parts: tuple[str | Var, ...], expected: str) -> None:
    assert shell_command(Template(parts)) == expected


@pytest.mark.parametrize("parts", [
    ("deploy.sh ", Var("region")),
    ('echo "region=', Var("region"), '"'),
    ("echo 'at ", Var("region"), "'"),
    ("echo x", Var("region"), "y"),
])
def test_hostile_value_reaches_the_script_as_one_word_of_data(parts: tuple[str | Var, ...], tmp_path: Path) -> None:
    hostile = "eu-west-1\"; touch pwned; echo '$(touch pwned2)' `touch pwned3`"
    command = shell_command(Template(parts)).replace("deploy.sh", "printf '%s|'").replace("echo", "printf '%s|'")
    out = subprocess.run(["/bin/sh", "-c", command], env={**os.environ, "WAVE_REGION": hostile}, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    assert hostile in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # one fresh interpreter per hash seed
def test_plan_output_is_byte_identical_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "wavec", "build", "examples/minimal.wave", "--target", "local"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    text = outputs.pop()
    assert str(ROOT) not in text
    assert json.loads(text)["format"] == "wavec-plan/1"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("wv9*.wave")), ids=lambda p: p.stem)
def test_local_target_codes_point_where_the_fixture_expects(path: Path) -> None:
    expected = sorted((i + 1, m) for i, line in enumerate(path.read_text().splitlines())
                      for m in re.findall(r"# expect: (WV\d+)", line))
    proc = cli("build", str(path.relative_to(ROOT)), "--target", "local")
    assert proc.returncode == 0, proc.stderr
    found = sorted((int(line), code) for code, line in
                   re.findall(r"warning\[(WV\d+)\].*\n\s*--> [^:]+:(\d+):", proc.stderr))
    assert found == expected
    assert json.loads(proc.stdout)["format"] == "wavec-plan/1"
