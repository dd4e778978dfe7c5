"""The built wheel holds the whole package: grammar, standard library, templates and data files.

Grammar and standard library load through importlib.resources; tests/test_packaging.py installs this wheel
in a fresh venv (no access to the source tree, no extra) and checks a file importing `std/...` from a folder
outside the repository.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, Dists

pytestmark = pytest.mark.slow  # builds the wheel


@pytest.fixture(scope="module")
def wheel(dists: Dists) -> Path:
    return dists.wheel  # the session's build (tests/conftest.py), shared with tests/test_packaging.py


def test_wheel_ships_grammar_and_stdlib(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "wavec/grammar/wave.lark" in names
    assert "wavec/stdlib/windows.wave" in names
    assert "wavec/py.typed" in names
    assert not any(n.startswith(("compiler/", "tests/", "grammar/", "stdlib/")) for n in names)


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
