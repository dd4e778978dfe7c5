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


@pytest.mark.parametrize("baked", [False, True])
def test_emulator_benchmark_pipelines_build_for_codepipeline(tmp_path: Path, baked: bool) -> None:
    from benchmarks.emulator_overhead import pipeline
    from wavec.api import build

    path = tmp_path / "emu.wave"
    path.write_text(pipeline(3, baked), encoding="utf-8")
    result = build(path, "codepipeline", config=Config())
    assert not [d for d in result.diagnostics if d.severity.name == "ERROR"]
    stages = [s["name"] for s in json.loads(result.output)["pipeline"]["stages"]]
    assert stages == ["Source", "wave-w0", "wave-w1", "wave-w2"]


def test_emulator_benchmark_section_reports_slopes_and_the_checkout_target() -> None:
    from benchmarks.emulator_overhead import Emulator, section
    from benchmarks.measure import Sample

    def s(label: str, seconds: float) -> Sample:
        return Sample(label, ("x",), (seconds,), (1024,), (0,))

    result = Emulator((5, 25), (10, 210), (s("p5", 1.0), s("p25", 1.2)), (s("b5", 2.0), s("b25", 4.2)),
                      (s("f10", 1.0), s("f210", 3.0)), s("import moto", 0.2), s("checkout", 9.0))
    assert result.per_action_ms == pytest.approx(10.0)
    assert result.per_bake_ms == pytest.approx(100.0)
    assert result.per_execution_ms == pytest.approx(10.0)
    text = "\n".join(section(result))
    assert "| 10.0× |" in text and "| 2.0× |" in text and "| 5.0× |" in text and "| met |" in text
    assert section("not measured: moto is not installed")[2] == "Not measured: moto is not installed."
