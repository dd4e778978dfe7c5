"""The pipeline's changes in words (wavec.deploy.words): each edit a user makes to a file is said the way they
would say it, from the two compiled declarations alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from wavec.deploy.words import duration, pipeline_words

from conftest import EXAMPLES, cli

CHECKOUT = (EXAMPLES / "checkout.wave").read_text(encoding="utf-8")


def _pipeline(text: str, tmp: Path) -> dict[str, object]:
    path = tmp / f"p{hashlib.sha256(text.encode()).hexdigest()[:12]}.wave"
    path.write_text(text, encoding="utf-8")
    proc = cli("build", str(path), "--target", "codepipeline")
    assert proc.returncode == 0, proc.stderr
    pipeline: dict[str, object] = json.loads(proc.stdout)["pipeline"]
    return pipeline


def _edited(*edits: tuple[str, str]) -> str:
    text = CHECKOUT
    for old, new in edits:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    return text


def test_the_same_pipeline_has_no_words_and_a_new_one_is_created(tmp_path: Path) -> None:
    live = _pipeline(CHECKOUT, tmp_path)
    assert pipeline_words(live, live) == []
    # What GetPipeline adds (a version, empty lists) is no change.
    echoed = {**live, "version": 3, "variables": []}
    assert pipeline_words(echoed, live) == []
    assert pipeline_words(None, live) == [
        "pipeline `checkout` is created with 8 stages: Source, build, sandbox, wave-onebox, wave-first_region, "
        "wave-second, enter-rest, wave-rest"]


def test_region_bake_alarm_and_blocker_changes_are_words(tmp_path: Path) -> None:
    live = _pipeline(CHECKOUT, tmp_path)
    desired = _pipeline(_edited(
        ('regions = [home]\n    bake    = 1h', 'regions = [home, "eu-north-1"]\n    bake    = 2h'),
    ), tmp_path)
    assert pipeline_words(live, desired) == [
        "wave `first_region` gains region eu-north-1",
        "wave `first_region`: bake 1h → 2h",
        "wave `first_region`: gate `health` adds alarms checkout-5xx-eu-north-1, checkout-latency-p99-eu-north-1",
        "wave `first_region`: entry adds blocker `blockers-eu-north-1` (alarm checkout-sev2-open-eu-north-1)",
        "artifact store added in eu-north-1 (acme-checkout-artifacts-eu-north-1)",
    ]
    assert pipeline_words(desired, live)[:2] == ["wave `first_region` loses region eu-north-1",
                                                 "wave `first_region`: bake 2h → 1h"]


def test_a_stage_added_and_a_gate_setting_changed(tmp_path: Path) -> None:
    live = _pipeline(CHECKOUT, tmp_path)
    desired = _pipeline(_edited(
        ("  wave rest {", "  wave extra {\n    regions = [\"eu-north-1\"]\n    bake    = 1h\n    gates   = [health]\n"
                          "    windows = [windows.business_hours]\n  }\n\n  wave rest {"),
        ("    interval  = 1m", "    interval  = 2m"),
    ), tmp_path)
    words = pipeline_words(live, desired)
    assert "wave `extra` added (after `wave-second`)" in words
    assert "wave `onebox`: gate `health` interval 1m → 2m" in words
    assert "artifact store added in eu-north-1 (acme-checkout-artifacts-eu-north-1)" in words


def test_a_step_command_change_names_the_action_and_both_values(tmp_path: Path) -> None:
    live = _pipeline(CHECKOUT, tmp_path)
    desired = _pipeline(_edited(('run = "make test"', 'run = "make test-all"')), tmp_path)
    (words,) = pipeline_words(live, desired)
    assert words.startswith("stage `sandbox`: action `unit` commands")
    assert "make test" in words and "make test-all" in words


def test_durations_read_as_written() -> None:
    assert [duration(s) for s in (0, 45, 60, 3600, 5400, 7200, 86400 + 3600)] == [
        "0s", "45s", "1m", "1h", "1h30m", "2h", "1d1h"]
