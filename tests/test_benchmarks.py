"""The benchmark generator produces projects that check cleanly (a smoke test; benchmarks are not timed tests)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from wavec import check
from wavec.config import Config

from conftest import ROOT, cli

if str(ROOT) not in sys.path:  # `benchmarks` is a top-level package of the checkout, not of the wheel
    sys.path.insert(0, str(ROOT))

from benchmarks.audit import parse_importtime
from benchmarks.generate import wave_file, write_project


@pytest.mark.parametrize("shape", ["org", "wide"])
def test_generated_project_checks_cleanly(tmp_path: Path, shape: str) -> None:
    project = write_project(tmp_path, 20, shape)
    result = check([project.entry], Config())
    assert result.diagnostics == []
    pipelines = result.pipelines
    assert len(pipelines) == (2 if shape == "org" else 1)
    assert sum(len(p.waves) for p in pipelines) == 20
    assert all(len(p.stages) == 3 for p in pipelines)


def test_generated_project_checks_cleanly_from_the_command_line(tmp_path: Path) -> None:
    project = write_project(tmp_path, 25, "org")
    proc = cli("check", project.entry.name, cwd=project.entry.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed (1 file)." in proc.stdout


def test_generated_size_grows_linearly() -> None:
    small, _ = wave_file(100)
    large, pipelines = wave_file(400)
    assert pipelines == 40
    assert 3.8 < len(large) / len(small) < 4.2


def test_importtime_parser_reads_nesting() -> None:
    stderr = ("import time: self [us] | cumulative | imported package\n"
              "import time:       120 |        120 |     lark.utils\n"
              "import time:       300 |        420 |   lark\n"
              "import time:        50 |        470 | wavec.api\n")
    imports = parse_importtime(stderr)
    assert [(i.module, i.level, i.cumulative_us) for i in imports] == [
        ("lark.utils", 2, 120), ("lark", 1, 420), ("wavec.api", 0, 470)]


@pytest.mark.slow  # cfn-lint
def test_hand_written_template_is_a_codepipeline_v2_pipeline_that_passes_cfn_lint() -> None:
    from cfnlint.api import lint

    path = ROOT / "benchmarks" / "data" / "checkout.cfn.json"
    text = path.read_text(encoding="utf-8")
    assert [str(m) for m in lint(text)] == []
    template = json.loads(text)
    (resource,) = template["Resources"].values()
    assert resource["Type"] == "AWS::CodePipeline::Pipeline"
    assert resource["Properties"]["PipelineType"] == "V2"
    names = [s["Name"] for s in resource["Properties"]["Stages"]]
    assert names == ["Source", "build", "sandbox", "wave-onebox", "wave-first_region", "wave-second", "wave-rest"]
