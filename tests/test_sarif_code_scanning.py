"""SARIF as GitHub code scanning takes it (docs/ci.md): a fixture repository checked from three working
directories gives one log, valid against the SARIF 2.1.0 schema, with a distinct fingerprint and a location
on every result, RFC 3986 URIs relative to the git root, and the registry's help on every rule."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from wavec.cli import main
from wavec.diagnostics.codes import registry
from wavec.diagnostics.codes.entry import code_markdown

from conftest import ROOT

ODD_NAME = "my pipe%,x:y.wave"  # a space, `%`, `,` and a `:` that would read as a URI scheme
REGIONS = """\
pipeline shop {
  source s3 { bucket = "shop-source"  key = "shop.zip" }
  deploy { local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" } }
  wave one {
    regions = ["us-east1"]
  }
  wave two {
    regions = ["us-east1"]
  }
  wave three { regions = ["eu-west-9"] }
}
"""
SECRET = """\
pipeline db {
  source s3 { bucket = "db-source"  key = "db.zip" }
  deploy { local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" } }
  stage migrate {
    step schema { run = "PGPASSWORD=hunter2 psql -f schema.sql" }
  }
  wave eu { regions = ["eu-west-1"] }
}
"""
# RFC 3986 relative-ref with a path-noscheme first segment: unreserved, pct-encoded, sub-delims, "@" (no ":").
_SEGMENT_NZ_NC = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{2})+"
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{2})"
RELATIVE_REF = re.compile(rf"{_SEGMENT_NZ_NC}(?:/{_PCHAR}*)*")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository: a configuration naming a missing policy, two WV113 on one line text, a WV128, HO001."""
    root = tmp_path_factory.mktemp("repo")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.wavec]\n'
                                         'policies = ["std/policies/handsoff", "./policies/missing"]\n',
                                         encoding="utf-8")
    (root / "pipelines").mkdir()
    (root / "pipelines" / ODD_NAME).write_text(REGIONS, encoding="utf-8")
    (root / "pipelines" / "db.wave").write_text(SECRET, encoding="utf-8")
    shutil.copy(ROOT / "tests" / "fixtures" / "policy" / "ho001_fail.wave", root / "pipelines" / "shop.wave")
    return root


@pytest.fixture(scope="module")
def logs(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The log of `wavec check --format sarif` from the root, from a subfolder, and from outside the repository."""
    outside = tmp_path_factory.mktemp("elsewhere")
    mp = pytest.MonkeyPatch()
    out: dict[str, str] = {}
    try:
        for name, cwd, target in (("root", repo, "pipelines"), ("sub", repo / "pipelines", "."),
                                  ("outside", outside, str(repo / "pipelines"))):
            mp.chdir(cwd)
            buf = io.StringIO()
            with redirect_stdout(buf):
                code = main(["check", "--format", "sarif", "--config", os.path.relpath(repo / "pyproject.toml"),
                             target])
            assert code == 1
            out[name] = buf.getvalue()
    finally:
        mp.undo()
    return out


@pytest.fixture(scope="module")
def log(logs: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(logs["root"])
    return doc


def _results(log: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    return results


def test_the_log_is_byte_identical_from_any_working_directory(logs: dict[str, str]) -> None:
    assert logs["root"] == logs["sub"] == logs["outside"]


def test_the_log_validates_against_the_sarif_2_1_0_schema(log: dict[str, Any]) -> None:
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    assert sorted(r["ruleId"] for r in _results(log)) == ["HO001", "WV113", "WV113", "WV113", "WV128", "WV310",
                                                          "WV310"]


def test_every_result_has_a_location_in_the_repository(log: dict[str, Any], repo: Path) -> None:
    for result in _results(log):
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1
        assert (repo / unquote(physical["artifactLocation"]["uri"])).is_file(), result
    # The policy module that cannot be loaded is reported at the configuration's table.
    missing = [r for r in _results(log) if r["ruleId"] == "WV310"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in missing} == {"pyproject.toml"}
    assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in missing} == {4}
    assert "%SRCROOT%" in log["runs"][0]["originalUriBaseIds"]


def test_uris_are_rfc_3986_relative_references_to_the_files(log: dict[str, Any]) -> None:
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _results(log)}
    assert uris == {"pyproject.toml", "pipelines/db.wave", "pipelines/shop.wave",
                    "pipelines/my%20pipe%25%2Cx%3Ay.wave"}
    for uri in uris:
        assert RELATIVE_REF.fullmatch(uri), uri
    assert unquote("pipelines/my%20pipe%25%2Cx%3Ay.wave") == f"pipelines/{ODD_NAME}"


def test_every_finding_has_its_own_fingerprint(log: dict[str, Any]) -> None:
    prints = [r["partialFingerprints"]["wavecFinding/v1"] for r in _results(log)]
    assert len(set(prints)) == len(prints)
    # The two WV113 on lines 5 and 8 have one line text: counted apart, not merged into one alert.
    regions = [r for r in _results(log) if r["ruleId"] == "WV113"]
    assert sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in regions) == [5, 8, 10]
    # GitHub's upload action computes primaryLocationLineHash itself and warns about one it did not compute.
    assert all("primaryLocationLineHash" not in r["partialFingerprints"] for r in _results(log))


def test_a_fingerprint_survives_lines_added_above(repo: Path, log: dict[str, Any], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(repo, moved)
    odd = moved / "pipelines" / ODD_NAME
    odd.write_text("# a comment\n# and another\n" + REGIONS, encoding="utf-8")
    monkeypatch.chdir(moved)
    main(["check", "--format", "sarif", "--config", "pyproject.toml", "pipelines"])
    after = json.loads(capsys.readouterr().out)

    def prints(doc: dict[str, Any]) -> set[tuple[str, str]]:
        return {(r["ruleId"], r["partialFingerprints"]["wavecFinding/v1"]) for r in _results(doc)}

    assert prints(after) == prints(log)


def test_rules_carry_the_registry_help_precision_and_security_severity(log: dict[str, Any]) -> None:
    driver = log["runs"][0]["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert "helpUri" not in json.dumps(log) and "informationUri" not in driver
    region = rules["WV113"]
    markdown = region["help"]["markdown"]
    for part in ("**What it does.**", "**Why is this bad?**", "**Example**", "**Use instead**"):
        assert part in markdown
    entry = registry()["WV113"]
    assert entry.what in markdown and entry.why in markdown and entry.example in markdown and entry.fix in markdown
    assert markdown == "\n".join(code_markdown(entry, markers=False)) + "\n"
    assert "What it does" in region["help"]["text"]
    assert region["properties"] == {"precision": "very-high", "tags": ["wavec", "builtin"]}
    secret = rules["WV128"]["properties"]
    assert secret == {"precision": "high", "security-severity": "9.0", "tags": ["wavec", "builtin", "security"]}
    # A policy rule's help is its documentation, as `wavec explain HO001` prints it.
    policy = rules["HO001"]
    assert policy["properties"]["tags"] == ["wavec", "policy"]
    assert "**What it checks**" in policy["help"]["markdown"] and "HO001:" in policy["help"]["text"]


def test_github_annotations_name_files_from_the_repository_root(repo: Path, logs: dict[str, str],
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for cwd, target in ((repo, "pipelines"), (repo / "pipelines", ".")):
        monkeypatch.chdir(cwd)
        main(["check", "--format", "github", "--config", os.path.relpath(repo / "pyproject.toml"), target])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert "::error file=pipelines/my pipe%25%2Cx%3Ay.wave,line=5,col=16," in outs[0]
    assert "::error file=pipelines/db.wave,line=5," in outs[0]
