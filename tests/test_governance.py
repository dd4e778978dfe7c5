"""Governance cannot be lost silently: configuration files merge, an imported policy must be enforced, `allow`
accepts a built-in code a project must live with, and checking a shared module also checks its importers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import cli

HEAD = """pipeline p {
  role = "arn:aws:iam::111122223333:role/p"
  source s3 { bucket = "b"  key = "k" }
  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }
"""
# WV104 (a region twice, an error) and WV126 (a warning).
DUP = HEAD + '  wave w { regions = ["us-east-1", "us-east-1"]  bake = 60 }\n}\n'


def _codes(stdout: str) -> dict[str, str]:
    return {d["code"]: d["severity"] for d in json.loads(stdout)}


def test_wave_toml_merges_with_pyproject_instead_of_replacing_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.wavec]\nignore = ["WV126"]\n[tool.wavec.severity]\nWV104 = "warning"\n', encoding="utf-8")
    (tmp_path / "wave.toml").write_text('exclude = ["gen/"]\n', encoding="utf-8")
    (tmp_path / "p.wave").write_text(DUP, encoding="utf-8")
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "broken.wave").write_text("pipeline {", encoding="utf-8")
    proc = cli("check", "--format", "json", ".", cwd=tmp_path)
    # pyproject's ignore and severity still apply beside wave.toml's exclude.
    assert proc.returncode == 0 and _codes(proc.stdout) == {"WV104": "warning"}, proc.stdout + proc.stderr


def test_precedence_command_line_over_config_over_wave_toml_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wavec.severity]\nWV104 = "info"\nWV126 = "error"\n',
                                             encoding="utf-8")
    (tmp_path / "wave.toml").write_text('severity = { WV104 = "warning" }\n', encoding="utf-8")
    (tmp_path / "ci.toml").write_text('severity = { WV126 = "info" }\n', encoding="utf-8")
    (tmp_path / "p.wave").write_text(DUP, encoding="utf-8")
    proc = cli("check", "--format", "json", "p.wave", cwd=tmp_path)
    assert _codes(proc.stdout) == {"WV104": "warning", "WV126": "error"}
    # Every override is said, naming both files.
    assert "note: wave.toml sets the severity of WV104 to warning, over info in pyproject.toml" in proc.stderr
    proc = cli("check", "--format", "json", "--config", "ci.toml", "p.wave", cwd=tmp_path)
    assert _codes(proc.stdout) == {"WV104": "warning", "WV126": "info"} and proc.returncode == 0
    assert "note: ci.toml sets the severity of WV126 to info, over error in pyproject.toml" in proc.stderr
    proc = cli("check", "--format", "json", "--config", "ci.toml", "--ignore", "WV126", "-q", "p.wave",
               cwd=tmp_path)
    assert _codes(proc.stdout) == {"WV104": "warning"} and proc.stderr == ""  # -q: no notes


def test_policies_of_every_file_are_enforced(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wavec]\npolicies = ["std/policies/hands_off"]\n',
                                             encoding="utf-8")
    (tmp_path / "wave.toml").write_text('ignore = ["WV104", "WV126"]\n', encoding="utf-8")
    (tmp_path / "p.wave").write_text(DUP, encoding="utf-8")
    proc = cli("check", "--format", "json", "p.wave", cwd=tmp_path)
    assert any(code.startswith("HO") for code in _codes(proc.stdout)), proc.stdout  # hands_off was not dropped


POLICY_IMPORT = 'import "std/policies/hands_off"\n'


def test_an_imported_policy_not_enforced_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "wave.toml").write_text('ignore = ["WV104", "WV126"]\n', encoding="utf-8")
    (tmp_path / "p.wave").write_text(POLICY_IMPORT + DUP, encoding="utf-8")
    proc = cli("check", "p.wave", cwd=tmp_path)
    assert proc.returncode == 0 and "warning[WV314]" in proc.stdout
    assert "add `policies = [hands_off]` to the pipeline" in proc.stdout
    assert cli("check", "--strict", "p.wave", cwd=tmp_path).returncode == 1
    # Enforced by the pipeline, or by the configuration: no warning.
    (tmp_path / "p.wave").write_text(POLICY_IMPORT + DUP.replace("pipeline p {\n", "pipeline p {\n  policies = "
                                                                 "[hands_off]\n"), encoding="utf-8")
    assert "WV314" not in cli("check", "p.wave", cwd=tmp_path).stdout
    (tmp_path / "p.wave").write_text(POLICY_IMPORT + DUP, encoding="utf-8")
    (tmp_path / "wave.toml").write_text('ignore = ["WV104", "WV126"]\npolicies = ["std/policies/hands_off"]\n',
                                        encoding="utf-8")
    assert "WV314" not in cli("check", "p.wave", cwd=tmp_path).stdout


NEW_REGION = HEAD + """  wave eu {
    regions = ["eu-west-1", "eu-north-9"]
    allow WV113 "eu-north-9 opened last week; our botocore predates it"
  }
  wave us { regions = ["us-east-9"] }
}
"""


def test_allow_accepts_a_region_newer_than_botocore(tmp_path: Path) -> None:
    (tmp_path / "wave.toml").write_text("", encoding="utf-8")
    (tmp_path / "p.wave").write_text(NEW_REGION, encoding="utf-8")
    proc = cli("check", "--format", "json", "--show-suppressed", "p.wave", cwd=tmp_path)
    found = [(d["code"], d["line"], d.get("suppressed", False)) for d in json.loads(proc.stdout)]
    # The allowed region is suppressed, with its reason; the one in the other wave is still an error.
    assert sorted(found) == [("WV113", 6, True), ("WV113", 9, False)], found
    assert "WV311" not in proc.stdout
    (tmp_path / "p.wave").write_text(NEW_REGION.replace('["us-east-9"]', '["us-east-1"]'), encoding="utf-8")
    assert cli("check", "p.wave", cwd=tmp_path).returncode == 0


SHARED = 'let home = "us-east-1"\n'


@pytest.fixture
def shared_project(tmp_path: Path) -> Path:
    """A project whose app.wave (and, through it, top.wave) imports lib/shared.wave."""
    (tmp_path / "wave.toml").write_text('ignore = ["WV126"]\n', encoding="utf-8")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shared.wave").write_text(SHARED, encoding="utf-8")
    (tmp_path / "app.wave").write_text('import "./lib/shared" as shared\n' + HEAD +
                                       "  wave w { regions = [shared.home] }\n}\n", encoding="utf-8")
    (tmp_path / "lib" / "reexport.wave").write_text('import "../app.wave" as app\nlet x = 1\n', encoding="utf-8")
    (tmp_path / "other.wave").write_text(HEAD + '  wave w { regions = ["us-east-1"] }\n}\n', encoding="utf-8")
    return tmp_path


def test_checking_a_shared_module_checks_its_importers(shared_project: Path) -> None:
    assert cli("check", "lib/shared.wave", cwd=shared_project).returncode == 0
    # Breaking the shared module breaks app.wave, which uses it; staging only lib/shared.wave must fail.
    (shared_project / "lib" / "shared.wave").write_text('let home = "us-east-42"\n', encoding="utf-8")
    proc = cli("check", "--format", "json", "lib/shared.wave", cwd=shared_project)
    assert proc.returncode == 1
    assert {(d["file"], d["code"]) for d in json.loads(proc.stdout)} >= {("app.wave", "WV113")}
    assert "note: also checking 2 files importing the files given: app.wave, lib/reexport.wave" in \
        cli("check", "lib/shared.wave", cwd=shared_project).stderr  # transitively: reexport imports app
    proc = cli("check", "--no-importers", "lib/shared.wave", cwd=shared_project)
    assert proc.returncode == 0 and "All checks passed (1 file)" in proc.stdout


def test_importers_respect_exclude(shared_project: Path) -> None:
    (shared_project / "wave.toml").write_text('ignore = ["WV126"]\nexclude = ["app.wave"]\n', encoding="utf-8")
    (shared_project / "lib" / "shared.wave").write_text('let home = "us-east-42"\n', encoding="utf-8")
    assert cli("check", "lib/shared.wave", cwd=shared_project).returncode == 0


def test_an_importer_git_ignores_is_not_checked(shared_project: Path) -> None:
    (shared_project / ".gitignore").write_text("/app.wave\n", encoding="utf-8")
    (shared_project / "lib" / "shared.wave").write_text('let home = "us-east-42"\n', encoding="utf-8")
    proc = cli("check", "lib/shared.wave", cwd=shared_project)
    # app.wave is ignored, so neither it nor lib/reexport.wave (which reaches shared.wave only through it) is.
    assert proc.returncode == 0 and "note: also checking" not in proc.stderr, proc.stdout + proc.stderr


@pytest.mark.slow  # a fresh interpreter, to see what `wavec check FILE` imports
def test_checking_a_file_imports_no_pathspec_when_nothing_imports_it() -> None:
    import subprocess
    import sys

    from conftest import ROOT

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "wavec", "check", "examples/checkout.wave"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "wavec.importers" in imported  # the index ran
    assert not {m for m in imported if m.split(".")[0] in {"pathspec", "boto3", "botocore", "networkx"}}
