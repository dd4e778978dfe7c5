"""The oracle catches a real defect: a compiled pipeline whose bake does not bake differs from the local run.

The pipeline is this fixture's own CodePipeline output with its bake actions (the Step Functions actions of
``runOrder`` 2) removed — the defect ``tests/fixtures/emulator/checkout.pipeline.json`` pins for the
examples: the stage succeeds the instant its deploys do. The comparison must name the bakes and gates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from emulator_helpers import standins
from harness import CELLS, prepare, run_emulated, run_local

from conftest import cli

pytestmark = pytest.mark.slow


def test_a_bake_that_does_not_bake_is_reported(tmp_path: Path) -> None:
    cell = next(c for c in CELLS if c.id == "healthy@waves")
    wave, scenario = prepare(cell, tmp_path)
    built = cli("build", str(wave), "--target", "codepipeline", "-o", str(tmp_path / "pipeline.json"))
    assert built.returncode == 0, built.stderr
    document = json.loads((tmp_path / "pipeline.json").read_text(encoding="utf-8"))
    for stage in document["pipeline"]["stages"]:
        # The bakes, and the rollback guard that serves them (the old output had neither).
        stage["actions"] = [a for a in stage["actions"]
                            if a["actionTypeId"]["provider"] not in ("StepFunctions", "Lambda")]
    broken = tmp_path / "broken.pipeline.json"
    broken.write_text(json.dumps(document), encoding="utf-8")

    local = run_local(wave, scenario, tmp_path)
    emulated = run_emulated(broken, scenario, tmp_path, "--stand-ins", standins(tmp_path))

    differences = local.differences(emulated)
    assert [d.split(":")[0] for d in differences] == ["bakes", "gates"]
    assert local.bakes == (("one", "ok", 30.0), ("two", "ok", 30.0), ("three", "ok", 30.0))
    assert all(minutes == 0 for _, _, minutes in emulated.bakes)  # every bake "ends" the instant it starts
    assert (local.status, local.exit) == (emulated.status, emulated.exit) == ("succeeded", 0)
