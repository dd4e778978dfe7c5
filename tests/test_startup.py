"""Start-up audit: `wavec check` must not import the heavy libraries of other commands.

`wavec check` runs in pre-commit hooks on every commit; boto3/botocore (deploy), jinja2 (the HTML
plan) and rich (the runner's live table) are imported lazily by the commands that need them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wavec.syntax.parser import CACHE_DIR_VARIABLE, cache_path, grammar_text

from conftest import ROOT

FORBIDDEN = ("boto3", "botocore", "jinja2", "rich")

# Runs `python -m wavec ARGS` exactly as the console does, and writes the names in sys.modules at
# exit (after the command finished, whatever it returned) to the file named by argv[1].
WRAPPER = """\
import atexit, json, runpy, sys
out = sys.argv[1]
def dump():
    with open(out, "w", encoding="utf-8") as f:
        json.dump(sorted(sys.modules), f)
atexit.register(dump)
sys.argv = ["wavec", *sys.argv[2:]]
runpy.run_module("wavec", run_name="__main__", alter_sys=True)
"""


def _modules_at_exit(tmp_path: Path, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", WRAPPER, str(out), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert out.is_file(), proc.stderr[-2000:]
    return set(json.loads(out.read_text(encoding="utf-8"))), proc


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("example", ["minimal.wave", "checkout.wave"])
def test_check_imports_no_heavy_library(tmp_path: Path, example: str) -> None:
    modules, proc = _modules_at_exit(tmp_path, "check", f"examples/{example}")
    assert "Traceback" not in proc.stderr
    # The wrapper really ran the check: the front end is loaded.
    assert {"wavec.api", "wavec.syntax.parser", "lark"} <= modules
    assert sorted(_top(modules) & set(FORBIDDEN)) == []


def test_importtime_lists_no_heavy_library(tmp_path: Path) -> None:
    # The `-X importtime` trace lists every module imported, even one imported and then removed.
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "wavec", "check", "examples/minimal.wave"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "wavec.api" in imported
    assert sorted(m for m in imported if m.split(".")[0] in FORBIDDEN) == []


def test_audit_detects_a_forbidden_import(tmp_path: Path) -> None:
    # The audit can fail: the same wrapper sees boto3 when the command imports it.
    modules, _ = _modules_at_exit(tmp_path, "--version")
    assert not _top(modules) & set(FORBIDDEN)
    out = tmp_path / "modules.json"
    code = WRAPPER.replace("runpy.run_module", "import jinja2; runpy.run_module")
    subprocess.run([sys.executable, "-c", code, str(out), "--version"], cwd=ROOT, capture_output=True, timeout=120)
    assert "jinja2" in _top(set(json.loads(out.read_text(encoding="utf-8"))))


def _check_in(tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.run([sys.executable, "-m", "wavec", "check", "examples/checkout.wave"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_fresh_temporary_folder_does_not_miss_the_analysed_grammar(tmp_path: Path) -> None:
    # A CI container or a test's own TMPDIR starts empty: the analysed grammar is kept beside the package, so
    # no run analyses the grammar again and writes it to the temporary folder (as Lark's cache=True does).
    first, fresh = tmp_path / "first", tmp_path / "fresh"
    first.mkdir()
    fresh.mkdir()
    assert _check_in(first).returncode == 0
    path = cache_path(grammar_text())
    assert path is not None and path.is_file()
    proc = _check_in(fresh)
    assert proc.returncode == 0, proc.stderr
    assert list(fresh.iterdir()) == []


def test_a_damaged_grammar_cache_is_analysed_again_and_replaced(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # In a folder of its own ($WAVEC_CACHE_DIR): the package's cache is read by every check the other workers
    # run meanwhile, and damaging it there once raced with them (it stayed damaged in one CI run).
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(folder))
    path = cache_path(grammar_text())
    assert path is not None and path.parent == folder
    path.write_bytes(b"not a pickle")
    proc = _check_in(tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert path.read_bytes() != b"not a pickle"
    assert [p.name for p in folder.iterdir()] == [path.name]  # replaced whole: no temporary file left


def test_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    modules, proc = _modules_at_exit(tmp_path, "check", "examples/checkout.wave")
    assert proc.returncode == 0, proc.stderr[-2000:]
    commands = {m for m in modules if m.startswith("wavec.cli.")} - {"wavec.cli.app", "wavec.cli.errors"}
    assert commands <= {"wavec.cli.check", "wavec.cli.common"}
    unused = ("networkx", "wavec.analysis", "wavec.report", "wavec.runner", "wavec.emulator", "wavec.targets",
              "wavec.plan_format.json_text", "wavec.syntax.format", "wavec.dag", "wavec.docgen",
              # the renderers of the other --format values
              "wavec.diagnostics.render.sarif", "wavec.diagnostics.render.github",
              "wavec.diagnostics.render.json_format")
    assert sorted(m for m in modules if m.startswith(unused)) == []
    # Standard modules only some files need: a configuration (tomllib), an unknown name's suggestion (difflib),
    # a window's time zone and schedule (zoneinfo, calendar), a policy's regular expression (re2).
    assert sorted(modules & {"tomllib", "difflib", "zoneinfo", "calendar", "re2"}) == []


def test_help_lists_every_command_without_importing_one(tmp_path: Path) -> None:
    modules, proc = _modules_at_exit(tmp_path, "--help")
    assert "plan" in proc.stdout and "Rehearse a rollout" in proc.stdout
    commands = {m for m in modules if m.startswith("wavec.cli.")} - {"wavec.cli.app", "wavec.cli.errors"}
    assert commands == set()
