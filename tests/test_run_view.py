"""What `wavec run` shows: the live table and the plain lines, drawn from the events as the runner journals them.

The view is a function of the events alone (their virtual instant `at`, never the wall clock), so these tests
give it event sequences and read what a user reads: each sandbox step by name, rolled-back targets (↺) in
rollback order, the virtual clock (`T+…` and the simulated date), exposure per wave, the window line replaced
once the window opens, a resumed run's earlier work as done. One real run checks the runner's side: per-target
gate logs, a breach quoting its own region, and the report's simulated duration.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from runner_helpers import Fleet, fleet

from wavec.cli.progress import LiveReporter, PlainReporter, RunView, reporter

from conftest import cli

START = "2024-06-03T10:00:00Z"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The fleet pipeline's local plan (a sandbox stage with step `unit`; waves one, two, three), wave one at 5%."""
    folder = tmp_path_factory.mktemp("plan")
    (folder / "fleet.wave").write_text(fleet().replace('wave one   { regions = ["us-east-1"]',
                                                       'wave one   { regions = ["us-east-1"]  exposure = 5%'),
                                       encoding="utf-8")
    built = cli("build", str(folder / "fleet.wave"), "--target", "local")
    assert built.returncode == 0, built.stderr
    doc: dict[str, Any] = json.loads(built.stdout)
    return doc


def at(minutes: float, day: int = 3) -> str:
    """The virtual instant `minutes` after 10:00 on June `day`, 2024, as the events carry it."""
    total = int(minutes * 60)
    return f"2024-06-{day:02d}T{10 + total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}Z"


def node(kind: str, node_id: str, minute: float, status: str | None = None, **more: Any) -> dict[str, Any]:
    parts = node_id.split(":")
    event = {"event": "node_started" if status is None else "node_finished", "node": node_id, "kind": kind,
             "at": at(minute), "wave": parts[1] if parts[0] == "wave" else None, **more}
    if status is not None:
        event["status"] = status
    return event


def breach_run() -> list[dict[str, Any]]:
    """The fleet's run in which eu-west-1's health check fails in wave two's bake: two is rolled back."""
    return [
        {"event": "run_started", "run": "r1", "pipeline": "fleet", "execution": "x", "options": {"speed": 600},
         "at": START},
        node("env_create", "stage:test:create", 0), node("env_create", "stage:test:create", 1, "ok"),
        node("step", "stage:test:step:unit", 1), node("step", "stage:test:step:unit", 2, "ok"),
        node("env_destroy", "stage:test:destroy", 2), node("env_destroy", "stage:test:destroy", 3, "ok"),
        node("deploy", "wave:one:deploy:us-east-1", 3), node("deploy", "wave:one:deploy:us-east-1", 4, "ok"),
        node("bake", "wave:one:bake", 4),
        {"event": "bake_started", "wave": "one", "bake": 180.0, "elapsed": 0.0, "speed": 600, "at": at(4)},
        {"event": "gate", "wave": "one", "gate": "health", "ok": True, "detail": "check passed", "at": at(5)},
        node("bake", "wave:one:bake", 7, "ok"),
        node("deploy", "wave:two:deploy:eu-west-1", 7), node("deploy", "wave:two:deploy:eu-west-1", 8, "ok"),
        node("deploy", "wave:two:deploy:eu-central-1", 8), node("deploy", "wave:two:deploy:eu-central-1", 9, "ok"),
        node("bake", "wave:two:bake", 9),
        {"event": "gate", "wave": "two", "gate": "health", "ok": False, "at": at(10),
         "detail": "check (eu-west-1) failed: exit 1"},
        node("bake", "wave:two:bake", 10, "failed", reason="gate health: check (eu-west-1) failed: exit 1"),
        {"event": "breach", "wave": "two", "gate": "health", "reason": "gate health: check (eu-west-1) failed: exit 1",
         "on_breach": "rollback", "at": at(10)},
        {"event": "rollback_plan", "nodes": ["wave:two:rollback:eu-central-1", "wave:two:rollback:eu-west-1"],
         "running": [], "at": at(10)},
        node("rollback", "wave:two:rollback:eu-central-1", 10),
        node("rollback", "wave:two:rollback:eu-central-1", 11, "ok"),
        node("rollback", "wave:two:rollback:eu-west-1", 11),
        node("rollback", "wave:two:rollback:eu-west-1", 192, "ok"),  # a slow one: T+3h12m
    ]


def live(plan: dict[str, Any], events: list[dict[str, Any]], history: list[dict[str, Any]] | None = None) -> str:
    """The live table after `events`, as a terminal shows it (drawn once, no colours)."""
    view = RunView(plan)
    for event in history or []:
        view.fold(event)
    out = io.StringIO()
    shown = LiveReporter(view, out, console=Console(file=out, force_terminal=True, width=140, color_system=None),
                         live=False)
    for event in events:
        shown(event)
    shown.snapshot()
    return out.getvalue()


def plain(plan: dict[str, Any], events: list[dict[str, Any]], history: list[dict[str, Any]] | None = None) -> list[str]:
    out = io.StringIO()
    show = reporter(plan, "plain", out, history=history or [])
    assert isinstance(show, PlainReporter)
    for event in events:
        show(event)
    return out.getvalue().splitlines()


def test_the_live_table_names_steps_shows_rollbacks_in_order_exposure_and_the_virtual_clock(
        plan: dict[str, Any]) -> None:
    text = live(plan, breach_run())
    assert "T+3h12m · Mon 2024-06-03 13:12 UTC" in text  # the virtual clock: since the start, and the date
    row = {line.split("│")[2].strip(): line for line in text.splitlines() if line.count("│") > 3}
    assert "✓ create ✓ unit ✓ destroy" in row["test"]  # each sandbox step by name
    assert "✓us-east-1" in row["one"] and "5%" in row["one"] and "baked" in row["one"]
    assert "↺eu-west-1 ↺eu-central-1" in row["two"] and "100%" in row["two"] and "✗ health" in row["two"]
    assert "✓eu-west-1" not in row["two"]  # rolled back, no longer shown as deployed
    # The rollback in the order it ran (newest first), not the wave's order of targets.
    assert re.search(r"newest first\s*│\s*↺ eu-central-1 \(two\) ↺ eu-west-1 \(two\)", row["newest first"])
    assert "○ ap-southeast-2" not in text and "○ap-southeast-2" in row["three"]  # never started


def test_plain_lines_carry_the_virtual_time_and_say_what_was_rolled_back(plan: dict[str, Any]) -> None:
    lines = plain(plan, breach_run())
    assert lines[0] == "T+0h00m  run r1 of pipeline fleet (speed x600)"
    assert "T+0h01m  → stage test: step unit" in lines and "T+0h02m  ✓ stage test: step unit" in lines
    assert "T+0h03m  → wave one: deploy us-east-1 at 5% exposure" in lines  # a wave below 100% says so
    assert "T+0h07m  → wave two: deploy eu-west-1" in lines
    assert "T+0h10m  ! rolling back, newest first: eu-central-1 (two), eu-west-1 (two)" in lines
    rolled = [line for line in lines if "rolled back" in line]
    assert rolled == ["T+0h11m  ↺ wave two: eu-central-1 rolled back", "T+3h12m  ↺ wave two: eu-west-1 rolled back"]


def window_run() -> list[dict[str, Any]]:
    """Wave one waits from Friday 16:59 for its Monday 09:00 window."""
    friday, monday = "2024-06-07T16:59:00Z", "2024-06-10T09:00:00Z"
    return [
        {"event": "run_started", "run": "r2", "pipeline": "fleet", "execution": "x", "options": {"speed": 600},
         "at": friday},
        {"event": "node_started", "node": "wave:one:window", "kind": "window", "wave": "one", "at": friday},
        {"event": "window_wait", "wave": "one", "until": monday, "at": friday},
    ], [
        {"event": "node_finished", "node": "wave:one:window", "kind": "window", "wave": "one", "status": "ok",
         "reason": "office open at 2024-06-10 09:00 UTC", "at": monday},
        {"event": "node_started", "node": "wave:one:deploy:us-east-1", "kind": "deploy", "wave": "one",
         "at": monday},
    ]


def test_the_window_line_is_replaced_once_the_window_opens(plan: dict[str, Any]) -> None:
    waiting, opened = window_run()
    text = live(plan, waiting)
    assert "waiting for its window (opens Mon 2024-06-10 09:00 UTC)" in text
    assert "⏸ window closed, opens Mon 2024-06-10 09:00 UTC" in text  # the wave's row says so too
    text = live(plan, waiting + opened)
    assert "waiting for its window" not in text and "window closed" not in text  # not left stale
    assert text.count("wave one: window open at Mon 2024-06-10 09:00 UTC") == 1
    assert "T+64h01m · Mon 2024-06-10 09:00 UTC" in text and "…us-east-1" in text
    # Plain lines cannot be rewritten: the opening is a line of its own after the wait.
    lines = plain(plan, waiting + opened)
    assert lines[-2:] == ["T+64h01m ✓ wave one: window open at Mon 2024-06-10 09:00 UTC",
                          "T+64h01m → wave one: deploy us-east-1 at 5% exposure"]


def test_after_a_resume_finished_work_is_shown_as_done_and_the_clock_goes_on(plan: dict[str, Any]) -> None:
    events = breach_run()
    cut = next(i for i, e in enumerate(events) if e.get("node") == "wave:two:deploy:eu-west-1")
    before = events[:cut]  # the first attempt died as wave two was to start: its clock had reached 10:07
    # The resumed attempt's clock starts again at --now (10:00): T+ goes on from the 7 minutes already spent.
    resumed = [{"event": "run_resumed", "run": "r1", "options": {"speed": 600}, "at": START},
               {**node("deploy", "wave:two:deploy:eu-west-1", 0)}]
    text = live(plan, resumed, history=before)
    row = {line.split("│")[2].strip(): line for line in text.splitlines() if line.count("│") > 3}
    assert "✓ create ✓ unit ✓ destroy" in row["test"] and "✓us-east-1" in row["one"] and "baked" in row["one"]
    assert "…eu-west-1" in row["two"]
    assert "done before the resume: stage test (create, unit, destroy); wave one (us-east-1, baked)" in text
    assert "T+0h07m · Mon 2024-06-03 10:00 UTC" in text
    lines = plain(plan, resumed, history=before)
    assert lines == ["✓ done before the resume: stage test (create, unit, destroy); wave one (us-east-1, baked)",
                     "T+0h07m  resuming run r1", "T+0h07m  → wave two: deploy eu-west-1"]
    # Without the history (the old view), nothing was shown as done.
    assert "✓ create" not in live(plan, resumed)


def test_the_emulator_shares_the_view(plan: dict[str, Any]) -> None:
    """The emulator's view (stages of actions, waves without exposure) and its events: its window is an entry
    condition, its resume shows no run_resumed (its clock goes on), so the start is given."""
    view = {"pipeline": "fleet", "target": "codepipeline", "waves": [
        {"name": "prod", "stage": "wave-prod", "batches": [["wave:prod:deploy:us-east-1"]], "bake_node":
         "wave:prod:bake", "bake": 0, "rollback": ["wave:prod:rollback:us-east-1"], "targets": []}],
        "stages": [{"name": "Source", "after": [], "create": None, "destroy": None,
                    "steps": ["stage:Source:source:Source"]}]}
    history = [{"event": "run_started", "run": "e1", "pipeline": "fleet", "options": {"speed": 600}, "at": START},
               node("source", "stage:Source:source:Source", 0), node("source", "stage:Source:source:Source", 0, "ok")]
    events = [{"event": "node_started", "node": "wave:prod:entry", "kind": "entry", "wave": "prod", "at": at(1)},
              {"event": "window_wait", "wave": "prod", "until": at(90), "at": at(1)},
              {"event": "gate", "wave": "prod", "gate": "office", "block": "beforeEntry", "ok": True,
               "detail": "opened", "at": at(90)},
              {"event": "node_finished", "node": "wave:prod:entry", "kind": "entry", "wave": "prod", "status": "ok",
               "at": at(90)}]
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=140, color_system=None)
    run_view = RunView(view, START)
    for event in history:
        run_view.fold(event)
    shown = LiveReporter(run_view, out, console=console, live=False)
    for event in events:
        shown(event)
    shown.snapshot()
    text = out.getvalue()
    assert "✓ Source" in text and "T+1h30m · Mon 2024-06-03 11:30 UTC" in text
    assert "waiting for its window" not in text and "wave prod: window open at Mon 2024-06-03 11:30 UTC" in text


def test_a_real_run_logs_each_regions_gate_output_apart_and_reports_simulated_time(tmp_path: Path) -> None:
    f = Fleet(tmp_path, fleet().replace('check     = "test ! -e \\"$FAULTS/${region}\\""',
                                        'check     = "echo checking ${region}; test ! -e \\"$FAULTS/${region}\\""'))
    f.fault("eu-west-1")
    run = f.run("--speed", "6000", "--now", START)
    assert run.code == 3, run.proc.stdout + run.proc.stderr
    (breach,) = run.kinds("breach")
    assert "checking eu-west-1" in breach["reason"] and "eu-central-1" not in breach["reason"]
    logs = next((tmp_path / ".wavec" / "runs").glob("*/"))
    west = (logs / "wave_two_gate_health_eu-west-1.log").read_text(encoding="utf-8")
    central = (logs / "wave_two_gate_health_eu-central-1.log").read_text(encoding="utf-8")
    assert "checking eu-west-1" in west and "eu-central-1" not in west
    assert "checking eu-central-1" in central and "checking eu-west-1" not in central
    out = run.proc.stdout
    assert re.search(r"^T\+0h\d\dm +run ", out, re.M)  # plain lines carry the virtual time
    assert "↺ wave two: eu-central-1 rolled back" in out
    assert "wave one: baked; deployed us-east-1 at 100% exposure" in out
    finished = run.kinds("run_finished")[-1]
    assert finished["virtual_seconds"] >= 4 * 60  # wave one's bake of 3m, wave two's first minute
    # A duration of whole minutes is written without seconds (`21m`), as everywhere else.
    assert re.search(r"time: +\d+m(\d+s)? simulated \(Mon 2024-06-03 10:00 → 10:\d\d UTC\); \d+\.\ds real at x6000",
                     out)
