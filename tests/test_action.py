"""The composite action (action.yml) runs: its shell steps, read from the file, run the way the Actions runner
runs them — ``${{ … }}`` replaced first, ``bash --noprofile --norc -eo pipefail``, ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files, the step's working directory under the workspace — in a scratch git repository,
with wavec installed by the action's own install step from this worktree (no index is asked: the
dependencies are the test environment's)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES, ROOT

ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BAD = """\
pipeline shop {
  source s3 { bucket = "shop-source"  key = "shop.zip" }
  deploy { local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" } }
  wave first { regions = ["us-east1"] }
}
"""
WARNS = """\
pipeline shop {
  source s3 { bucket = "shop-source"  key = "shop.zip" }
  deploy { local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" } }
  wave first { regions = ["us-east-1", "us-east-1"] }
}
"""


@dataclass
class Run:
    """What a run of the action left: the exit code, the log, the step outputs and the job summary."""

    code: int
    log: str
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    ran: list[str] = field(default_factory=list)


def substitute(text: str, inputs: dict[str, str], github: dict[str, str]) -> str:
    """``${{ inputs.NAME }}`` and ``${{ github.NAME }}`` replaced as the runner does before a step runs."""

    def value(match: re.Match[str]) -> str:
        scope, _, name = match.group(1).partition(".")
        table = {"inputs": inputs, "github": github}.get(scope)
        assert table is not None and name in table, f"the test runner does not know ${{{{ {match.group(1)} }}}}"
        return table[name]

    return EXPRESSION.sub(value, text)


def run_action(workspace: Path, python_bin: Path, with_: dict[str, str], skip: tuple[str, ...] = ()) -> Run:
    """Run the action's steps in order, as a composite action: the first failing step ends it."""
    declared = ACTION["inputs"]
    assert set(with_) <= set(declared), f"unknown inputs {set(with_) - set(declared)}"
    inputs = {name: with_.get(name, str(spec.get("default", ""))) for name, spec in declared.items()}
    github = {"action_path": str(ROOT), "workspace": str(workspace)}
    output_file, summary_file = workspace.parent / "output.txt", workspace.parent / "summary.md"
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    result = Run(0, "")
    for i, step in enumerate(ACTION["runs"]["steps"]):
        if "uses" in step:
            # The one step that is not a script: the Python the others run is this test's.
            assert step["uses"].startswith("actions/setup-python@"), step
            continue
        if step["name"] in skip:
            continue
        assert step["shell"] == "bash"
        script = workspace.parent / f"step{i}.sh"
        script.write_text(substitute(step["run"], inputs, github), encoding="utf-8")
        env = {**os.environ, "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}",
               "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file),
               "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_WORKSPACE": str(workspace),
               # No index: the install step takes its dependencies from the environment the test gives it.
               # (pip reads "0" for its --no-build-isolation and --no-compile as "on": no isolation, no .pyc.)
               "PIP_NO_INDEX": "1", "PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_NO_COMPILE": "0",
               "NO_COLOR": "1",
               **{k: substitute(str(v), inputs, github) for k, v in step.get("env", {}).items()}}
        env.pop("VIRTUAL_ENV", None)
        cwd = workspace / substitute(step.get("working-directory", "."), inputs, github)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
        result.log += proc.stdout + proc.stderr
        result.ran.append(step["name"])
        if proc.returncode != 0:
            result.code = proc.returncode
            break
    for line in output_file.read_text(encoding="utf-8").splitlines():
        key, _, val = line.partition("=")
        result.outputs[key] = val
    result.summary = summary_file.read_text(encoding="utf-8")
    return result


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A git repository with a broken, a warning and a clean pipeline; and an empty venv whose site sees the
    test environment's packages (wavec's dependencies) but not wavec itself."""
    base = tmp_path_factory.mktemp("action")
    repo = base / "repo"
    (repo / "pipelines").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "wave.toml").write_text("", encoding="utf-8")
    (repo / "pipelines" / "bad.wave").write_text(BAD, encoding="utf-8")
    (repo / "pipelines" / "warns.wave").write_text(WARNS, encoding="utf-8")
    (repo / "pipelines" / "checkout.wave").write_text((EXAMPLES / "checkout.wave").read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return repo, venv / "bin"


@pytest.fixture(scope="module")
def full_run(scratch: tuple[Path, Path]) -> Run:
    """The whole action once: install, plan summary, check with annotations and a SARIF log."""
    repo, python_bin = scratch
    missing = subprocess.run([str(python_bin / "python"), "-c", "import wavec"], capture_output=True, text=True)
    assert missing.returncode != 0  # the install step is what puts wavec there
    return run_action(repo, python_bin, {"paths": "pipelines", "sarif-file": "results/wavec.sarif",
                                         "plan": "pipelines/checkout.wave"})


@pytest.mark.slow
def test_the_action_installs_wavec_from_its_own_checkout(scratch: tuple[Path, Path], full_run: Run) -> None:
    _, python_bin = scratch
    assert full_run.ran == ["Install wavec at the action's ref", "Rollout plan in the job summary", "wavec check"]
    where = subprocess.run([str(python_bin / "python"), "-c", "import wavec; print(wavec.__file__)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(python_bin.parent), where  # installed into the venv, not the worktree


@pytest.mark.slow
def test_the_check_annotates_fails_and_writes_sarif(scratch: tuple[Path, Path], full_run: Run) -> None:
    repo, _ = scratch
    assert full_run.code == 1
    assert "::error file=pipelines/bad.wave,line=4,col=27," in full_run.log
    assert "::warning file=pipelines/warns.wave,line=4," in full_run.log
    assert full_run.outputs["exit-code"] == "1"
    sarif = Path(full_run.outputs["sarif-file"])
    assert sarif == repo / "results" / "wavec.sarif"
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results) \
        == [("WV113", "pipelines/bad.wave"), ("WV126", "pipelines/warns.wave")]


@pytest.mark.slow
def test_the_job_summary_holds_the_rollout_plan(full_run: Run) -> None:
    assert full_run.summary.startswith("### Rollout plan of `checkout`\n")
    assert "| 3 | `second` | us-west-2, eu-west-1 | 100% | 31.75% | 63.49% |" in full_run.summary


@pytest.mark.slow
@pytest.mark.parametrize(("with_", "code", "reported"), [
    ({"paths": "pipelines/warns.wave"}, 0, "0"),
    ({"paths": "pipelines/warns.wave", "fail-on": "warning"}, 1, "1"),
    ({"paths": "warns.wave", "strict": "true", "working-directory": "pipelines", "format": "text"}, 1, "1"),
    ({"paths": "pipelines/bad.wave", "fail-on": "never"}, 0, "1"),
    ({"paths": "pipelines/missing.wave", "fail-on": "never"}, 2, "2"),  # a usage error is never reported only
])
def test_fail_on_strict_and_working_directory(scratch: tuple[Path, Path], full_run: Run, with_: dict[str, str],
                                              code: int, reported: str) -> None:
    repo, python_bin = scratch
    run = run_action(repo, python_bin, with_, skip=("Install wavec at the action's ref",))
    assert (run.code, run.outputs.get("exit-code")) == (code, reported), run.log


@pytest.mark.slow
def test_a_wrong_fail_on_is_a_clear_error(scratch: tuple[Path, Path], full_run: Run) -> None:
    repo, python_bin = scratch
    run = run_action(repo, python_bin, {"fail-on": "warnings"}, skip=("Install wavec at the action's ref",))
    assert run.code == 2 and "fail-on is error, warning or never, not 'warnings'" in run.log
