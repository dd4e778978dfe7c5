"""The HTML page in a real headless Chromium: it renders, and the screenshot is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import cli

FIXTURE = "tests/fixtures/plan/rollout.wave"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(page: Path, shot: Path, profile: Path, size: tuple[int, int]) -> subprocess.CompletedProcess[str]:
    """Headless Chromium draws ``page`` into ``shot`` at ``size`` (with a profile folder of its own, no network
    chatter and no scrollbars), as a reader's browser window would show it."""
    browser = chromium()
    assert browser is not None
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--hide-scrollbars", f"--window-size={size[0]},{size[1]}",
         f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.skipif(chromium() is None, reason="no chromium found on PATH (.ci/run installs Debian's `chromium`)")
def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image", reason="Pillow (test extra) reads the screenshot")
    page = tmp_path / "plan.html"
    proc = cli("plan", FIXTURE, "--start", "2024-03-08T15:00", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    shot = tmp_path / "shot.png"
    run = screenshot(page, shot, tmp_path / "profile", (1280, 900))
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1280, 900)
        colors = rgb.getcolors(maxcolors=1 << 20) or []
        # not blank: many distinct colours, and the chart colours are there in quantity
        assert len(colors) > 50
        count = {c: n for n, c in colors}
        bake, deploy, curve = (242, 163, 58), (47, 127, 216), (192, 57, 43)
        assert count.get(bake, 0) > 200, "the bake bars are missing"
        assert count.get(deploy, 0) > 40, "the deploy bars are missing"
        assert count.get(curve, 0) > 200, "the exposure curve is missing"
        white = count.get((255, 255, 255), 0)
        assert white < 0.97 * 1280 * 900


def test_a_window_whose_cron_wavec_cannot_evaluate_is_drawn_always_open(tmp_path: Path) -> None:
    # `15W` is valid for AWS but not evaluated by wavec (WV253): the plan treats the window as always open, and
    # the page must say the same instead of failing with a traceback.
    page = tmp_path / "plan.html"
    proc = cli("plan", "tests/fixtures/runner/wv952.wave", "--start", "2024-03-08T15:00", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert "WV253" in proc.stderr
    text = page.read_text(encoding="utf-8")
    assert "wave only" in text and "window month_end open" not in text
