"""Property (#15, first bullet; #12 defect 7): whatever gates a wave has, its first deploy starts after the
previous wave's bake and while all its windows are open — in `wavec plan`, over generated pipelines.

An approval gate used to make its wave skip its windows: the DAG gave the wave's window node no incoming edge,
so the window was judged at the start of the run and the wave deployed outside it, or beside earlier waves
(dag/build.py now chains approval → window → deploys). Run against that DAG, this property fails on the first
pipeline with an approval and a window after a bake (see tests/test_approval_window.py for the same order on
both rehearsals).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from wavec.runner.planfile import plan_windows
from wavec.schedule.windows import is_open

from conftest import cli

WINDOWS = {
    "office": 'window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00]  timezone = "UTC" }',
    "evening": 'window evening { days = [mon, tue, wed, thu, fri, sat, sun]  hours = [18:00, 23:00]  '
               'timezone = "America/New_York" }',
    "early": 'window early { days = [mon, tue, wed, thu]  hours = [06:30, 12:00]  timezone = "Asia/Tokyo" }',
}
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1")


@st.composite
def pipelines(draw: st.DrawFn) -> str:
    """A pipeline of 1–4 waves, each with or without an approval, windows, a bake and batches."""
    lines = ["pipeline app {", '  role = "arn:aws:iam::111122223333:role/app"', '  artifacts = "a-${region}"',
             '  source s3 { bucket = "b"  key = "k.zip" }',
             '  deploy { local { run = "true"  rollback = "true" } }',
             "  gate entry { approval = true }", '  gate health { alarms = ["errors-${region}"] }',
             *(f"  {w}" for w in WINDOWS.values())]
    for i in range(draw(st.integers(1, 4))):
        regions = draw(st.lists(st.sampled_from(REGIONS), unique=True, min_size=1, max_size=3))
        attrs = [f"regions = [{', '.join(repr(r).replace(chr(39), chr(34)) for r in regions)}]",
                 f"bake = {draw(st.sampled_from(('0s', '30m', '2h', '7h')))}"]
        gates = draw(st.lists(st.sampled_from(("entry", "health")), unique=True))
        if gates:
            attrs.append(f"gates = [{', '.join(gates)}]")
        windows = draw(st.lists(st.sampled_from(sorted(WINDOWS)), unique=True, max_size=2))
        if windows:
            attrs.append(f"windows = [{', '.join(windows)}]")
        if len(regions) > 1 and draw(st.booleans()):
            attrs.append("parallel = 1")
        lines.append(f"  wave w{i} {{ " + "  ".join(attrs) + " }")
    return "\n".join([*lines, "}"]) + "\n"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# The defect's own case, always run: a canary baking until Friday 17:15, then an approved wave in office hours.
LATE = """pipeline app {
  role = "arn:aws:iam::111122223333:role/app"
  artifacts = "a-${region}"
  source s3 { bucket = "b"  key = "k.zip" }
  deploy { local { run = "true"  rollback = "true" } }
  gate entry { approval = true }
  window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00]  timezone = "UTC" }
  wave canary { regions = ["eu-west-1"]  bake = 2h }
  wave prod { regions = ["us-east-1"]  bake = 10m  gates = [entry]  windows = [office] }
}
"""
FRIDAY_15H = 4 * 24 * 60 + 15 * 60  # minutes after Monday 2024-06-03 00:00 UTC


@example(text=LATE, minute=FRIDAY_15H)
@given(pipelines(), st.integers(0, 14 * 24 * 60))
def test_every_wave_starts_after_the_previous_bake_inside_its_windows(tmp_path_factory: object, text: str,
                                                                      minute: int) -> None:
    folder = Path(str(tmp_path_factory.mktemp("order")))
    (folder / "app.wave").write_text(text, encoding="utf-8")
    start = datetime(2024, 6, 3, tzinfo=UTC) + timedelta(minutes=minute)
    done = cli("plan", "app.wave", "--format", "json", "--start", start.strftime("%Y-%m-%dT%H:%M"), cwd=folder)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    starts = {n["id"]: _at(n["starts_at"]) for n in plan["nodes"] if n["starts_at"] is not None}
    previous_end: datetime | None = None
    for wave in plan["waves"]:
        deploys = [f"wave:{wave['name']}:deploy:{t['region']}" for t in wave["targets"]]
        if not all(d in starts for d in deploys):  # windows that are never open together: the plan says so
            assert "WV25" in done.stderr, f"wave {wave['name']} never starts, and no finding says why"
            break
        first = min(starts[d] for d in deploys)
        if previous_end is not None:
            assert first >= previous_end, f"wave {wave['name']} deploys at {first}, before {previous_end}"
        windows = plan_windows(wave["windows"])
        assert all(is_open(w, first) for w in windows), \
            f"wave {wave['name']} deploys at {first}, outside {[w.name for w in windows]}"
        previous_end = _at(wave["ends_at"])
