"""Pictures that scale: the HTML timeline's hour axis, window bands, broken axis, region labels and rollback paths;
the exposure curve's log scale; `wavec graph --rankdir`; screenshots of a 3- and a 12-wave plan in Chromium.

The screenshots are written to the test artefacts folder: ``$WAVEC_TEST_ARTIFACTS``, else ``test-artifacts/``
at the repository root (git ignores it), for a person or CI to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_plan_html import chromium, screenshot

from conftest import ROOT, cli

ROLLOUT = "tests/fixtures/plan/rollout.wave"  # Europe/Berlin office hours; the canary waits over a weekend
THREE = "tests/fixtures/plan/three.wave"
TWELVE = "tests/fixtures/plan/twelve.wave"
START = ("--start", "2024-03-08T15:00")
SVG = "{http://www.w3.org/2000/svg}"


def page(fixture: str, tmp_path: Path) -> str:
    out = tmp_path / "plan.html"
    proc = cli("plan", fixture, *START, "--html", str(out))
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", html, flags=re.S)]


def _cls(e: ET.Element) -> str:
    return e.get("class", "")


def _text(e: ET.Element) -> str:
    return "".join(e.itertext())


def test_timeline_has_an_hour_axis_in_the_windows_zone_and_window_bands(tmp_path: Path) -> None:
    timeline, _ = svgs(page(ROLLOUT, tmp_path))
    axis = next(g for g in timeline.iter(f"{SVG}g") if _cls(g) == "axis")
    assert axis.get("data-zone") == "Europe/Berlin"
    hours = [g for g in axis.iter(f"{SVG}g") if _cls(g) == "hour"]
    labels = {(t.text or "").strip(): t.findtext(f"{SVG}title") for g in hours for t in g.iter(f"{SVG}text")}
    assert len(hours) >= 5 and all(re.fullmatch(r"\d\d:00", k) for k in labels)
    # Monday 08:00 UTC is 09:00 in Berlin (CET), and the hover says so in UTC.
    assert labels["09:00"] == "Mon 11 Mar 08:00 UTC · Mon 11 Mar 09:00 CET"
    days = [(t.text or "") for t in axis.iter(f"{SVG}text") if _cls(t) == "day"]
    assert days == ["Fri 08 Mar", "Mon 11 Mar"]
    bands = [r for r in timeline.iter(f"{SVG}rect") if _cls(r) == "open"]
    assert bands, "no window bands"
    titles = {r.findtext(f"{SVG}title") or "" for r in bands}
    assert all(t.startswith("window office open 09:00–17:00 Europe/Berlin: ") for t in titles)
    assert any("Mon 11 Mar 09:00 CET → Mon 11 Mar 17:00 CET (Mon 11 Mar 08:00 UTC → Mon 11 Mar 16:00 UTC)" in t
               for t in titles)
    # The canary's deploy starts as its window opens: the bar and the band begin at the same x.
    deploy = next(r for r in timeline.iter(f"{SVG}rect") if _cls(r) == "deploy")
    assert any(b.get("x") == deploy.get("x") for b in bands)


def test_the_weekend_wait_is_a_break_so_deploy_and_bake_bars_stay_wide(tmp_path: Path) -> None:
    timeline, _ = svgs(page(ROLLOUT, tmp_path))
    breaks = [g for g in timeline.iter(f"{SVG}g") if _cls(g) == "break"]
    assert len(breaks) == 1 and "≈ 2d15h10m" in _text(breaks[0])
    widths = {k: [float(r.get("width", 0)) for r in timeline.iter(f"{SVG}rect") if _cls(r) == k]
              for k in ("deploy", "bake")}
    # Drawn to one linear scale, a 20-minute deploy of a 2d21h rollout would be 4 px wide; here it is tens.
    assert min(widths["deploy"]) >= 30, widths
    assert min(widths["bake"]) >= 100, widths
    texts = [_text(t) for t in timeline.iter(f"{SVG}text") if _cls(t) in ("inbar", "note")]
    assert "us-east-1" in texts and any("us-east-1, us-west-2" in t and "eu-west-1" in t for t in texts), texts


def test_exposure_curve_is_log_scaled_so_a_one_percent_one_box_shows(tmp_path: Path) -> None:
    _, curve = svgs(page(THREE, tmp_path))
    grid = {_text(t): float(t.get("y", 0)) for t in curve.iter(f"{SVG}text") if t.get("text-anchor") == "end"}
    assert {"0%", "0.1%", "1%", "10%", "100%"} <= set(grid)
    line = next(p for p in curve.iter(f"{SVG}polyline"))
    ys = sorted({float(pt.split(",")[1]) for pt in (line.get("points") or "").split()}, reverse=True)
    baseline, onebox = ys[0], ys[1]  # the one-box takes 0.45% of the traffic
    assert baseline - onebox > 40, ys  # a linear 200 px axis would lift it by under 1 px
    assert grid["0.1%"] > onebox > grid["1%"]


def test_the_defect_table_draws_the_rollback_path_newest_first(tmp_path: Path) -> None:
    html = page(ROLLOUT, tmp_path)
    row = re.search(r"<tr><td>rest</td>.*?</tr>", html, flags=re.S)
    assert row is not None
    chips = re.findall(r'<span class="chip">(.*?)</span>', row.group(0))
    assert chips == ["rest: eu-west-1", "rest: us-east-1, us-west-2", "canary: us-east-1"]


def test_graph_stacks_waves_in_a_column_by_default_and_rankdir_lr_lays_them_in_a_row() -> None:
    dot = cli("graph", TWELVE).stdout
    assert "  rankdir=TB;" in dot and dot.count("subgraph cluster_") == 13  # one stage, twelve waves
    assert [m for m in re.findall(r'label="(wave [a-z_0-9]+)"', dot)][:2] == ["wave onebox", "wave us_east"]
    assert "  rankdir=LR;" in cli("graph", TWELVE, "--rankdir", "LR").stdout
    assert cli("graph", TWELVE, "--format", "mermaid", "--rankdir", "lr").stdout.startswith("flowchart LR\n")
    bad = cli("graph", TWELVE, "--rankdir", "BT")
    assert bad.returncode == 2 and "--rankdir" in bad.stderr
    if shutil.which("dot") is None:
        return  # Graphviz is not needed by wavec; where it is installed, the drawing itself is measured
    sizes = {}
    for rankdir in ("TB", "LR"):
        text = cli("graph", TWELVE, "--rankdir", rankdir).stdout
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
        w, h = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())  # type: ignore[union-attr]
        sizes[rankdir] = (w, h)
    assert sizes["TB"][1] > 2 * sizes["TB"][0], sizes  # a column
    assert sizes["LR"][0] > 2 * sizes["LR"][1], sizes  # the strip it used to be


def artifacts() -> Path:
    folder = Path(os.environ.get("WAVEC_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow  # two headless Chromium runs
@pytest.mark.skipif(chromium() is None, reason="no chromium found on PATH (.ci/run installs Debian's `chromium`)")
@pytest.mark.parametrize(("fixture", "waves"), [(THREE, 3), (TWELVE, 12)])
def test_screenshots_of_three_and_twelve_waves_show_every_wave(fixture: str, waves: int, tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image", reason="Pillow (test extra) reads the screenshot")
    html = tmp_path / "plan.html"
    html.write_text(page(fixture, tmp_path), encoding="utf-8")
    shot = artifacts() / f"plan-{waves}-waves.png"
    run = screenshot(html, shot, tmp_path / "profile", (1280, 1100))
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        width, height = rgb.size
        deploy, bake, band = (47, 127, 216), (242, 163, 58), (223, 242, 220)
        pixels = rgb.load()
        assert pixels is not None
        # Rows (of the timeline's 30 px rows) holding deploy blue and bake orange: one per wave, each visible.
        rows_with = {k: set() for k in ("deploy", "bake")}  # type: dict[str, set[int]]
        counts = {"deploy": 0, "bake": 0, "band": 0}
        for y in range(0, height, 2):
            for x in range(0, width, 2):
                c = pixels[x, y]
                if c == deploy:
                    rows_with["deploy"].add(y // 30)
                    counts["deploy"] += 1
                elif c == bake:
                    rows_with["bake"].add(y // 30)
                    counts["bake"] += 1
                elif c == band:
                    counts["band"] += 1
        assert len(rows_with["deploy"]) >= waves and len(rows_with["bake"]) >= waves, rows_with
        assert counts["deploy"] > 25 * waves and counts["band"] > 1000, counts
