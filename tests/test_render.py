"""Renderers: text (colour rules), JSON keys, SARIF 2.1.0 (validated against the schema), GitHub commands."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from wavec import check
from wavec.config import Config
from wavec.diagnostics.render import render_github, render_json, render_sarif, render_text, use_color

from conftest import ROOT, cli

BAD = ROOT / "tests" / "fixtures" / "check" / "WV109_wrong_kind.wave"


@pytest.fixture
def diagnostics(monkeypatch: pytest.MonkeyPatch) -> list:  # type: ignore[type-arg]
    monkeypatch.chdir(ROOT)
    return check([BAD.relative_to(ROOT)], Config()).diagnostics


def test_json_has_the_documented_keys(diagnostics: list) -> None:  # type: ignore[type-arg]
    (first, _) = json.loads(render_json(diagnostics))
    assert set(first) == {"code", "severity", "message", "file", "line", "column", "end_line", "end_column",
                          "help", "rule", "labels"}
    assert first["code"] == "WV109" and first["severity"] == "error" and first["rule"] == "builtin"
    assert (first["file"], first["line"], first["column"]) == ("tests/fixtures/check/WV109_wrong_kind.wave", 9, 16)
    assert first["end_column"] == first["column"] + len("office")
    assert [lbl["line"] for lbl in first["labels"]] == [9, 6]


def test_sarif_validates_against_the_2_1_0_schema(diagnostics: list) -> None:  # type: ignore[type-arg]
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    doc = json.loads(render_sarif(diagnostics))
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["WV109"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/fixtures/check/WV109_wrong_kind.wave"
    assert location["region"]["startLine"] == 9


def test_github_annotations_carry_file_and_line_and_escape(diagnostics: list) -> None:  # type: ignore[type-arg]
    lines = render_github(diagnostics).splitlines()
    assert lines[0].startswith("::error file=tests/fixtures/check/WV109_wrong_kind.wave,line=9,col=16,")
    assert "title=WV109::" in lines[0]
    # Newlines in a message must not end the command.
    assert all(line.startswith("::") for line in lines)


def test_text_has_no_colour_unless_asked(diagnostics: list, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    assert "\x1b[" not in render_text(diagnostics)
    assert "\x1b[" in render_text(diagnostics, color=True)

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())  # type: ignore[arg-type]
    monkeypatch.delenv("NO_COLOR")
    assert use_color(Tty())  # type: ignore[arg-type]


def test_cli_formats_and_exit_codes(tmp_path: Path) -> None:
    proc = cli("check", "--format", "json", str(BAD.relative_to(ROOT)))
    assert proc.returncode == 1 and len(json.loads(proc.stdout)) == 2
    warn = tmp_path / "warn.wave"
    warn.write_text(BAD.read_text(encoding="utf-8").split("  gate health")[0] +
                    '  wave w { regions = ["us-east-1", "us-east-1"] }\n}\n', encoding="utf-8")
    assert cli("check", str(warn)).returncode == 0
    strict = cli("check", "--strict", str(warn))
    assert strict.returncode == 1 and "warning[WV126]" in strict.stdout
    assert cli("check", "--format", "yaml", str(warn)).returncode == 2


def test_output_is_byte_identical_across_runs() -> None:
    runs = {cli("check", "--format", fmt, "tests/fixtures/check").stdout for fmt in ("sarif",) for _ in range(2)}
    assert len(runs) == 1
