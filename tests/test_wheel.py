"""The built wheel, installed in a fresh virtual environment, works like the checkout.

Grammar and standard library ship inside the wheel and load through importlib.resources; this test
proves it by building the wheel, installing it in a new venv (no access to the source tree) and
checking an example that imports `std/...` from a folder outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # builds a wheel and a virtual environment

WAVE = """import "std/windows"

pipeline hello {
  role      = "arn:aws:iam::111122223333:role/hello-pipeline"
  artifacts = "hello-artifacts-${region}"
  source s3 { bucket = "hello-source"  key = "hello.zip" }
  stage test { step unit { kind = test  run = "pytest -q" } }
  deploy { local { run = "echo deploy"  rollback = "echo rollback" } }
  wave only { regions = ["eu-west-1"]  windows = [windows.business_hours] }
}
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Build from a copy so that build artefacts never land in the work tree.
    src = tmp_path_factory.mktemp("src") / "wavec"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "build", "dist",
                                                             "__pycache__", ".*_cache", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(out), str(src)], check=True, timeout=600)
    (found,) = out.glob("wavec-*.whl")
    return found


def test_wheel_ships_grammar_and_stdlib(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "wavec/grammar/wave.lark" in names
    assert "wavec/stdlib/windows.wave" in names
    assert "wavec/py.typed" in names
    assert not any(n.startswith(("compiler/", "tests/", "grammar/", "stdlib/")) for n in names)


def test_installed_wheel_checks_an_example_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # The dependencies come from the test environment (system site packages) so the test needs no
    # network; the wheel itself is installed into the venv, which takes precedence over anything
    # outside it, and the last assertion proves the venv's copy ran.
    venv.create(env_dir, with_pip=False, clear=True, system_site_packages=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True, timeout=900)
    project = tmp_path / "project"
    project.mkdir()
    (project / "wave.toml").write_text("", encoding="utf-8")
    (project / "hello.wave").write_text(WAVE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    proc = subprocess.run([str(env_dir / "bin" / "wavec"), "check", "hello.wave"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed (1 file)." in proc.stdout
    # The installed package, not the checkout, did the work.
    where = subprocess.run([str(python), "-c", "import wavec; print(wavec.__file__)"], cwd=project, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where


def test_wheel_ships_every_file_of_the_package(wheel: Path) -> None:
    # A new subpackage or data file must not be left out of the wheel: every tracked file under the
    # package's folders is inside it, at its import path.
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "compiler", "grammar", "stdlib"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    prefix = {"compiler": "wavec", "grammar": "wavec/grammar", "stdlib": "wavec/stdlib"}
    missing = []
    for path in tracked:
        top, _, rest = path.partition("/")
        if f"{prefix[top]}/{rest}" not in names:
            missing.append(path)
    assert not missing, f"left out of the wheel: {missing}"
    assert "wavec/cli/starter.wave" in names and "wavec/plan_format/wavec-plan-1.json" in names
    assert "wavec/report/templates/plan.html.j2" in names
