"""Codes of the rollout analyses (WV250–WV299): feasibility of windows and bakes, weights, estimates.

They are warnings reported by ``wavec plan`` (and by the API function
``wavec.analysis.feasibility.check``), not by ``wavec check``: they need the
timeline (windows evaluated over a year of calendar days), which ``check``
keeps off its fast path. See docs/plan.md.
"""

from __future__ import annotations

from ..model import Severity
from . import Code, collect, maker

W = Severity.WARNING


_c = maker("analysis", W)


WINDOW_NEVER_OPENS = _c(
    "WV250", "window never opens",
    "Reports a window used by a wave that is not open at any minute of the 400 days after the plan's start "
    "(no days, a cron expression for a date that does not exist, or a year in the past).",
    "A wave may only start inside its windows: this wave, and every wave after it, would never start.",
    "window never { cron = \"* * * 30 2 ? *\" }   # 30 February\n"
    "wave w { regions = [\"eu-west-1\"]  windows = [never] }",
    "window month_end { cron = \"* * 9-16 L * ? *\" }   # the last day of each month\n"
    "wave w { regions = [\"eu-west-1\"]  windows = [month_end] }", context="pipeline")
BAKE_LONGER_THAN_WINDOW = _c(
    "WV251", "bake longer than its window",
    "Reports a wave whose bake lasts longer than the longest opening of one of its windows.",
    "Windows say when people are there to watch a wave; a bake that always outlasts the window is "
    "watched, at its end, by nobody (and the next wave waits for the next opening).",
    "window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00] }\n"
    "wave rest { regions = [\"eu-west-1\"]  bake = 10h  windows = [office] }",
    "window office { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00] }\n"
    "wave rest { regions = [\"eu-west-1\"]  bake = 4h  windows = [office] }", context="pipeline")
WINDOWS_NEVER_OVERLAP = _c(
    "WV252", "windows never open together",
    "Reports a wave with several windows that each open, but never at the same time.",
    "A wave starts only when all its windows are open at once, so it would never start.",
    "window mornings { days = [mon]  hours = [08:00, 10:00] }\n"
    "window evenings { days = [mon]  hours = [18:00, 20:00] }\n"
    "wave w { regions = [\"eu-west-1\"]  windows = [mornings, evenings] }",
    "window mornings { days = [mon]  hours = [08:00, 10:00] }\n"
    "wave w { regions = [\"eu-west-1\"]  windows = [mornings] }", context="pipeline")
UNEVALUABLE_CRON = _c(
    "WV253", "cron expression wavec cannot evaluate",
    "Reports a window `cron` that wavec's evaluator does not understand (a malformed field, or `W`, `LW`, "
    "`L-N`, which it does not support). The plan treats such a window as always open.",
    "The timeline and the feasibility checks would be wrong about when the wave can start.",
    "window w { cron = \"* * 9-16 15W * ? *\" }\nwave eu { regions = [\"eu-west-1\"]  windows = [w] }",
    "window w { cron = \"* * 9-16 ? * MON-FRI *\" }\n"
    "wave eu { regions = [\"eu-west-1\"]  windows = [w] }", context="pipeline")
INVALID_WEIGHTS = _c(
    "WV254", "invalid traffic weights",
    "Reports a `let weights` map in the pipeline's file whose entries are not region names of the `aws` "
    "partition mapped to numbers of zero or more; such entries are ignored.",
    "Blast-radius figures weigh each region by its traffic; a typo would silently weigh a region 1.",
    "let weights = { \"us-east1\" = 3, \"eu-west-1\" = \"big\" }\nwave w { regions = [\"eu-west-1\"] }",
    "let weights = { \"us-east-1\" = 3, \"eu-west-1\" = 2 }\nwave w { regions = [\"eu-west-1\"] }", context="pipeline")
NEVER_FULL_EXPOSURE = _c(
    "WV255", "a target never reaches full exposure",
    "Reports a target whose every wave deploys with `exposure` below 100%, so the rollout ends with part "
    "of its traffic on the old version.",
    "A rollout that never finishes a target is either a mistake or a permanent canary that should be "
    "written down as one (`ignore = ['WV255']` in the configuration).",
    "wave canary { regions = [\"eu-west-1\"]  exposure = 5% }",
    "wave canary { regions = [\"eu-west-1\"]  exposure = 5% }\n"
    "wave eu { regions = [\"eu-west-1\"] }", context="pipeline")
ESTIMATE_OVER_TIMEOUT = _c(
    "WV256", "estimate longer than the timeout",
    "Reports a step whose `estimate` is longer than its `timeout`.",
    "If the estimate is right the step times out every time; one of the two numbers is wrong.",
    "stage test {\n  step integration { run = \"make it\"  estimate = 90m  timeout = 1h }\n}",
    "stage test {\n  step integration { run = \"make it\"  estimate = 40m  timeout = 1h }\n}", context="pipeline")

CODES: tuple[Code, ...] = collect(globals())
