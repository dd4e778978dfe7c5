"""`wavec plan --format markdown`: what a reviewer reads in a job summary or a pull-request comment."""

from __future__ import annotations

import re

import pytest

from wavec.cli import main

from conftest import EXAMPLES, ROOT

START = "2024-03-11T08:00"
CODES = ROOT / "tests" / "fixtures" / "plan" / "codes"


def plan_markdown(path: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["plan", path, "--start", START, "--format", "markdown", *extra])
    return code, capsys.readouterr().out


def tables(text: str) -> list[list[list[str]]]:
    """The GitHub tables of a Markdown text, as rows of cells (the delimiter row dropped)."""
    out: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r"-+:?|:?-+", c) for c in cells):
                current.append(cells)
        elif current:
            out.append(current)
            current = []
    return out


def test_the_summary_says_how_long_the_rollout_takes_and_what_each_wave_exposes(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, text = plan_markdown(str(EXAMPLES / "checkout.wave"), capsys)
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == "### Rollout plan of `checkout`"
    assert lines[2] == ("**Full deployment in 7h30m**: starts Mon 2024-03-11 08:00Z, finishes Mon 2024-03-11 15:30Z"
                        " · 4 waves, 9 targets")
    waves, stages, defects, critical = tables(text)
    assert waves[0][:6] == ["#", "wave", "targets", "each", "traffic", "cumulative"]
    assert [(row[1], row[5]) for row in waves[1:]] == [
        ("`onebox`", "0.16%"), ("`first_region`", "31.75%"), ("`second`", "63.49%"), ("`rest`", "100%")]
    assert waves[1][8] == "business_hours (UTC); waits 15m"
    assert [row[0] for row in stages[1:]] == ["`build`", "`sandbox`"]
    assert defects[-1][:3] == ["`rest`", "Mon 2024-03-11 15:30Z", "100%"]
    # Every row has the header's number of cells: GitHub renders the table, not a paragraph of pipes.
    for table in (waves, stages, defects, critical):
        assert {len(row) for row in table} == {len(table[0])}
    # The critical path is folded, so a pull-request comment stays short.
    assert "<details>\n<summary>Critical path (19 actions)</summary>" in text
    assert critical[6] == ["Mon 2024-03-11 09:00Z", "0s", "`wave:onebox:window`", "waits 15m for its windows"]
    assert "A defect the gates catch at wave `second` has reached 63.49% of the traffic for 4h45m." in text


def test_findings_are_listed_in_the_summary_itself(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = plan_markdown(str(CODES / "wv251.wave"), capsys)
    assert code == 0
    assert "> [!WARNING]\n> 1 finding: WV251 (listed below)" in text
    findings = text.split("#### Findings\n\n", 1)[1].splitlines()
    assert findings[0].startswith("- **warning** WV251: ")


def test_a_rollout_that_never_finishes_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    _, text = plan_markdown(str(CODES / "wv250.wave"), capsys)
    assert "**Never fully deployed**: these actions can never start: `wave:w:window`" in text
    assert "<details>" not in text  # no critical path to fold


def test_the_markdown_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = plan_markdown(str(EXAMPLES / "checkout.wave"), capsys)
    assert plan_markdown(str(EXAMPLES / "checkout.wave"), capsys) == first
    assert first[1].endswith("<sub>wavec plan, start 2024-03-11T08:00:00Z</sub>\n")


def test_markdown_is_for_the_local_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(EXAMPLES / "checkout.wave"), "--format", "markdown", "--target", "codepipeline"]) == 2
    assert "--format markdown" in capsys.readouterr().err
