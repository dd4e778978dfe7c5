"""The plan's numbers on hand-computed cases: timeline, time to full deployment, critical path, exposure.

tests/fixtures/plan/rollout.wave, started Friday 2024-03-08 15:00 UTC:

* build.compile 20m (15:00–15:20); verify: create 10m (–15:30), unit 30m (–16:00) then integration 45m
  (–16:45), scan 5m in parallel (–15:35), destroy 5m (–16:50);
* canary is ready at 16:50 Friday, but `office` (09:00–17:00 Europe/Berlin, weekdays) is closed for the
  weekend: it waits until Monday 09:00 CET = 08:00 UTC (2d15h10m), deploys us-east-1 in 20m, bakes 1h
  (–09:20);
* rest: the window is open at 09:20; parallel = 2 gives batches [us-east-1, us-west-2] (09:20–09:40) and
  [eu-west-1] (09:40–10:00), then bakes 2h: the rollout ends Monday 12:00 UTC, 2d21h = 248400 s after the
  start.

Weights (the file's `let weights`): us-east-1 2, us-west-2 1, eu-west-1 1 — total 4.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wavec import check
from wavec.analysis.plan import Plan, make_plan
from wavec.diagnostics import Sink

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "plan"


def plan_of(name: str, start: datetime, weights: dict[str, float] | None = None) -> tuple[Plan, Sink]:
    result = check([FIXTURES / name])
    assert result.diagnostics == []
    sink = Sink()
    return make_plan(result.pipelines[0], start, sink, result.modules[0], weights), sink


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_time_to_full_deployment_waits_over_the_weekend() -> None:
    plan, sink = plan_of("rollout.wave", utc(2024, 3, 8, 15, 0))
    assert list(sink) == []
    assert plan.timeline.finish == utc(2024, 3, 11, 12, 0)
    assert plan.timeline.total_seconds == 2 * 86400 + 21 * 3600 == 248400
    canary, rest = plan.waves
    assert canary.ready == utc(2024, 3, 8, 16, 50)
    assert canary.start == utc(2024, 3, 11, 8, 0)
    assert canary.wait_seconds == 2 * 86400 + 15 * 3600 + 10 * 60
    assert (canary.deployed, canary.end) == (utc(2024, 3, 11, 8, 20), utc(2024, 3, 11, 9, 20))
    assert rest.wait_seconds == 0
    assert [[t.id for t in b] for b in rest.batches] == [["us-east-1", "us-west-2"], ["eu-west-1"]]
    assert plan.slots["wave:rest:deploy:eu-west-1"].start == utc(2024, 3, 11, 9, 40)
    assert (rest.deployed, rest.end) == (utc(2024, 3, 11, 10, 0), utc(2024, 3, 11, 12, 0))


def test_critical_path_goes_through_the_longest_chain_and_the_window_wait() -> None:
    plan, _ = plan_of("rollout.wave", utc(2024, 3, 8, 15, 0))
    assert plan.timeline.critical_path == [
        "stage:build:step:compile", "stage:verify:create", "stage:verify:step:unit",
        "stage:verify:step:integration", "stage:verify:destroy", "wave:canary:window",
        "wave:canary:deploy:us-east-1", "wave:canary:bake", "wave:rest:window", "wave:rest:deploy:us-east-1",
        "wave:rest:deploy:eu-west-1", "wave:rest:bake",
    ]
    assert "stage:verify:step:scan" not in plan.timeline.critical_path  # 5m next to a 75m chain


def test_starting_inside_the_window_does_not_wait() -> None:
    plan, _ = plan_of("rollout.wave", utc(2024, 3, 11, 7, 0))  # Monday 08:00 in Berlin
    # pre-production ends 08:50 UTC = 09:50 CET, inside the window: no wait at all
    assert plan.waves[0].wait_seconds == 0
    assert plan.timeline.total_seconds == 110 * 60 + 80 * 60 + 160 * 60


def test_dst_change_over_the_weekend() -> None:
    # Friday 17:30 EST (22:30 UTC): closed. New York switches to EDT on Sunday, so Monday 09:00 is 13:00 UTC
    # (it would be 14:00 UTC without the change). Deploy 30m + bake 1h: done 14:30 UTC, 2d16h after the start.
    plan, _ = plan_of("dst.wave", utc(2024, 3, 8, 22, 30))
    (wave,) = plan.waves
    assert wave.start == utc(2024, 3, 11, 13, 0)
    assert plan.timeline.finish == utc(2024, 3, 11, 14, 30)
    assert plan.timeline.total_seconds == 2 * 86400 + 16 * 3600
    assert plan.timeline.critical_path == ["wave:only:window", "wave:only:deploy:us-east-1", "wave:only:bake"]


def test_cumulative_exposure_reaches_one() -> None:
    plan, _ = plan_of("rollout.wave", utc(2024, 3, 8, 15, 0))
    canary, rest = (w.exposure for w in plan.waves)
    # canary: 10% of us-east-1 (weight 2 of 4) = 5% of all traffic
    assert canary.exposure == 0.05 and canary.cumulative == 0.05 and canary.new == 0.05
    assert rest.exposure == 1.0 and rest.cumulative == 1.0
    assert abs(rest.new - 0.95) < 1e-12
    assert canary.at_bake_end == 0.05  # the rest wave starts exactly as the canary's bake ends


def test_other_weights_change_the_shares() -> None:
    plan, _ = plan_of("rollout.wave", utc(2024, 3, 8, 15, 0), {"us-east-1": 1.0})
    assert abs(plan.waves[0].exposure.exposure - 0.1 / 3) < 1e-12  # 10% of one region of three equal ones
    assert plan.weights.source("us-east-1") == "--weights"
    assert plan.weights.source("eu-west-1") == "let weights"


def test_defect_caught_at_wave_k() -> None:
    plan, _ = plan_of("rollout.wave", utc(2024, 3, 8, 15, 0))
    canary, rest = plan.defects
    # caught as the canary bake ends (Monday 09:20): 5% exposed for 1h20m, 0.05 × 4/3 h; rollback → 0%
    assert canary.detected_at == utc(2024, 3, 11, 9, 20)
    assert canary.exposure == 0.05 and canary.exposed_seconds == 4800
    assert abs(canary.exposure_hours - 0.05 * 80 / 60) < 1e-9
    assert (canary.action, canary.rolled_back, canary.exposure_after) == ("rollback", ("canary",), 0.0)
    # caught as rest's bake ends (12:00): 5% for 1h20m, 75% for 20m, 100% for 2h20m = 2.65 share-hours;
    # rollback_all takes back every wave, newest first
    assert rest.exposure == 1.0 and rest.exposed_seconds == 4 * 3600
    assert abs(rest.exposure_hours - (0.05 * 80 / 60 + 0.75 * 20 / 60 + 1.0 * 140 / 60)) < 1e-9
    assert rest.rolled_back == ("rest", "canary") and rest.exposure_after == 0.0


def test_levels_are_topological() -> None:
    plan, _ = plan_of("rollout.wave", utc(2024, 3, 8, 15, 0))
    assert plan.levels[0] == ["stage:build:step:compile"]
    assert plan.levels[2] == ["stage:verify:step:unit", "stage:verify:step:scan"]
    seen: set[str] = set()
    for level in plan.levels:
        for node in level:
            assert set(plan.graph.predecessors(node)) <= seen
        seen.update(level)
    assert seen == set(plan.graph.nodes)
