"""The exposure figures of one sweep equal their definitions, computed the slow way on every question.

`Exposure` answers "what share was exposed at t", "how many share x hours until t" and "what is left when
these waves are rolled back" from prefix arrays built in one pass (issue 18). The reference here asks each
question from scratch over every event, as the definitions in docs/plan.md read; the two must agree on a
generated project with accounts, batches, windows and both kinds of rollback, and on the plan fixture.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.generate import write_project
from wavec import check
from wavec.analysis.exposure import Exposure
from wavec.analysis.plan import Plan, make_plan
from wavec.diagnostics import Sink

from conftest import ROOT

START = datetime(2024, 3, 11, 8, 0, tzinfo=UTC)


def _plan(path: Path, pipeline: int = 0) -> Plan:
    result = check([path])
    assert not result.errors
    module = next(m for m in result.modules if result.pipelines[pipeline] in m.pipelines)
    return make_plan(result.pipelines[pipeline], START, Sink(), module)


def share(x: Exposure, when: datetime, without: frozenset[str] = frozenset(), inclusive: bool = False) -> float:
    reached: dict[str, float] = {}
    for start, wave, target, e in x.events:
        if (start < when or (inclusive and start == when)) and wave not in without:
            reached[target] = max(reached.get(target, 0.0), e)
    return math.fsum(x.weight[t] * reached[t] for t in reached) / x.total if x.total else 0.0


def hours(x: Exposure, until: datetime) -> float:
    total = 0.0
    times = sorted({e[0] for e in x.events if e[0] < until})
    if not times:
        return 0.0
    for a, b in zip(times, [*times[1:], until], strict=True):
        total += share(x, a, inclusive=True) * (b - a).total_seconds() / 3600
    return total


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> list[Plan]:
    wide = write_project(tmp_path_factory.mktemp("wide"), 40, "wide").entry
    return [_plan(wide), _plan(ROOT / "tests" / "fixtures" / "plan" / "rollout.wave"),
            _plan(ROOT / "examples" / "checkout.wave")]


def test_shares_and_exposure_hours_at_every_event_and_between(plans: list[Plan]) -> None:
    for plan in plans:
        x = plan.exposure
        instants = sorted({e[0] for e in x.events})
        asked = [*instants, *(t + timedelta(minutes=7) for t in instants), START - timedelta(days=1)]
        for t in asked:
            for inclusive in (False, True):
                assert x.at(t, inclusive=inclusive) == share(x, t, inclusive=inclusive)
            assert x.exposure_hours(t) == hours(x, t)


def test_every_defect_row_matches_its_definition(plans: list[Plan]) -> None:
    checked = {"rollback": 0, "rollback_all": 0}
    for plan in plans:
        x = plan.exposure
        order = [wp.wave for wp in plan.waves]
        first = x.events[0][0]
        for wave, row in zip(order, plan.defects, strict=True):
            when = plan.slots[f"wave:{wave.name}:bake"].end
            assert when is not None and row.detected_at == when
            deployed = sorted({e[1] for e in x.events if e[0] < when}, key=lambda n: plan.pipeline.wave(n).index)
            back = {"rollback": (wave.name,), "rollback_all": tuple(reversed(deployed))}.get(row.action, ())
            assert row.rolled_back == back
            assert row.exposure == share(x, when)
            assert row.exposure_after == share(x, when, frozenset(back))
            assert row.exposure_hours == hours(x, when)
            assert row.exposed_seconds == int((when - first).total_seconds())
            checked[row.action] = checked.get(row.action, 0) + 1
    assert checked["rollback"] and checked["rollback_all"]  # both kinds of rollback were compared


def test_a_share_does_not_depend_on_the_order_targets_were_reached_in(plans: list[Plan]) -> None:
    x = plans[0].exposure
    reached = {e[2]: e[3] for e in x.events}
    backwards = dict(reversed(list(reached.items())))
    assert x.share(reached) == x.share(backwards) == math.fsum(x.weight[t] * v for t, v in reached.items()) / x.total
