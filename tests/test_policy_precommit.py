"""The `wavec-check` pre-commit hook, run by pre-commit itself against a throw-away git repository.

`pre-commit try-repo` installs this repository (from its local path) into a fresh virtualenv. It
must work offline: the virtualenv sees the test environment's site-packages (wavec's dependencies
are already there), pip may not use an index, and the build backend comes from the environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow  # pre-commit installs this repository into a fresh virtualenv


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if not (ROOT / ".git").exists():
        pytest.fail("the pre-commit test needs the repository's git checkout at the project root")
    work = tmp_path_factory.mktemp("precommit")
    project = work / "project"
    project.mkdir()
    shutil.copy(EXAMPLES / "minimal.wave", project / "good.wave")
    shutil.copy(ROOT / "tests" / "fixtures" / "policy" / "ho001_fail.wave", project / "bad.wave")
    # A shared module whose (staged) change breaks app.wave, which imports it and is not staged.
    (project / "lib").mkdir()
    (project / "lib" / "shared.wave").write_text('let home = "us-east-42"\n', encoding="utf-8")
    minimal = (EXAMPLES / "minimal.wave").read_text(encoding="utf-8")
    (project / "app.wave").write_text('import "./lib/shared" as shared\n' +
                                      minimal.replace('["eu-west-1"]', "[shared.home]"), encoding="utf-8")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(work / "cache"),
        "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's inverted spelling of --no-build-isolation
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    env.pop("NO_COLOR", None)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=project, check=True, env=env)
    return project, env


def try_repo(project: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "wavec-check", "--color", "never",
         "--files", *files],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def test_wavec_check_hook_fails_the_bad_file_and_passes_the_good_one(repo: tuple[Path, dict[str, str]]) -> None:
    # One run (try-repo installs the hook into a fresh store every time, ~20 s): both files go to one
    # `wavec check` call; the bad one's finding fails the hook, the good one has none.
    project, env = repo
    proc = try_repo(project, env, "good.wave", "bad.wave", "lib/shared.wave")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "wavec check" in out and "Failed" in out
    assert "error[HO001]: wave `first`: the first production wave reaches one region and one target" in out
    assert "--> bad.wave:18:3" in out
    assert "good.wave" not in out.split("Using config:")[-1].split("hooks:")[-1]
    # Only lib/shared.wave was staged; app.wave, which imports it, is checked too and its breakage is caught.
    assert "note: also checking 1 file importing the files given: app.wave" in out
    assert "--> app.wave:" in out and "us-east-42" in out
    assert "Found 2 errors in 4 files." in out
