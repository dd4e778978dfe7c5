"""Feasibility findings (WV250–WV256): windows that never open or never overlap, bakes that outlast
their windows, cron expressions wavec cannot evaluate, targets never fully deployed, estimates over timeouts.

Reported into a :class:`~wavec.diagnostics.Sink` by ``wavec plan``; weights (WV254) are reported where
they are read, in :mod:`wavec.analysis.weights`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..diagnostics import Sink
from ..diagnostics.codes import analysis as codes
from ..lang.values import format_duration
from ..schedule.cron import parse_cron
from ..schedule.windows import DEFAULT_HORIZON, CronError, longest_opening, next_open, next_open_all
from ..semantics import ir
from .exposure import Exposure


def _fmt(seconds: float) -> str:
    return format_duration(int(seconds))


def _never_together(windows: list[ir.Window], start: datetime,
                    seen: dict[tuple[object, ...], bool]) -> bool:
    """Whether the windows are never open at once after ``start`` (memoised: waves share window lists)."""
    key = tuple((w.days, w.hours, w.cron, w.timezone) for w in windows)
    if key not in seen:
        seen[key] = next_open_all(windows, start) is None
    return seen[key]


def check(pipeline: ir.Pipeline, start: datetime, sink: Sink, exposure: Exposure | None = None) -> None:
    """Report every feasibility finding of ``pipeline`` for a rollout starting at ``start``."""
    bad_cron: set[str] = set()
    never: set[str] = set()
    seen: set[tuple[str, int]] = set()
    for wave in pipeline.waves:
        for w in wave.windows:
            key = (w.name, w.span.start)
            if key in seen:
                continue
            seen.add(key)
            if w.cron is not None:
                try:
                    parse_cron(w.cron)
                except CronError as exc:
                    bad_cron.add(w.name)
                    sink.report(codes.UNEVALUABLE_CRON,
                                f"window `{w.name}`: cron \"{w.cron}\" cannot be evaluated: {exc}",
                                w.attr_spans.get("cron", w.span), label="not understood",
                                help="the plan treats this window as always open; see docs/plan.md for the "
                                     "cron forms wavec evaluates")
                    continue
            if next_open(w, start) is None:
                never.add(w.name)
                sink.report(codes.WINDOW_NEVER_OPENS,
                            f"window `{w.name}` never opens in the {DEFAULT_HORIZON.days} days after "
                            f"{start:%Y-%m-%d}", w.span, label="never open",
                            help=f"wave `{wave.name}` (and every wave after it) could never start; check the "
                                 "window's days, hours or cron")
    # Waves share windows: each distinct window (by what decides its openings) is measured once.
    longest_of: dict[tuple[object, ...], timedelta | None] = {}
    together: dict[tuple[object, ...], bool] = {}
    for wave in pipeline.waves:
        usable = [w for w in wave.windows if w.name not in bad_cron]
        if len(usable) > 1 and not any(w.name in never for w in usable) and _never_together(usable, start, together):
            names = ", ".join(f"`{w.name}`" for w in usable)
            sink.report(codes.WINDOWS_NEVER_OVERLAP,
                        f"the windows of wave `{wave.name}` ({names}) are never open at the same time",
                        wave.attr_spans.get("windows", wave.span), label="no common opening",
                        help="a wave starts only when all its windows are open; keep one window or make "
                             "them overlap")
        if wave.bake.seconds:
            for w in usable:
                if w.name in never:
                    continue
                shape = (w.days, w.hours, w.cron, w.timezone)
                if shape not in longest_of:
                    longest_of[shape] = longest_opening(w, start)
                longest = longest_of[shape]
                if longest is not None and longest < timedelta(seconds=wave.bake.seconds):
                    sink.report(
                        codes.BAKE_LONGER_THAN_WINDOW,
                        f"wave `{wave.name}` bakes {wave.bake} but window `{w.name}` is open at most "
                        f"{_fmt(longest.total_seconds())} at a time", wave.attr_spans.get("bake", wave.span),
                        label="longer than the window",
                        help="the end of the bake falls outside the window, when nobody may be watching; "
                             "shorten the bake or widen the window")
    for stage in pipeline.stages:
        for step in stage.steps:
            # Only an estimate the author wrote: the default is a guess for the timeline, not a claim.
            if "estimate" in step.attr_spans and step.estimate.seconds > step.timeout.seconds:
                sink.report(codes.ESTIMATE_OVER_TIMEOUT,
                            f"step `{step.name}` of stage `{stage.name}` is estimated at {step.estimate} "
                            f"but times out after {step.timeout}", step.attr_spans.get("estimate", step.span),
                            label="longer than `timeout`", help="raise `timeout` or correct `estimate`")
    if exposure is not None:
        for wave, target, e in exposure.unfinished_targets():
            sink.report(codes.NEVER_FULL_EXPOSURE,
                        f"target {target} never reaches 100% exposure: wave `{wave.name}` is the last "
                        f"to deploy it, at {e * 100:g}%", wave.attr_spans.get("exposure", wave.span),
                        label="the last wave of this target",
                        help=f"add a wave that deploys {target} fully, or ignore {codes.NEVER_FULL_EXPOSURE.code} if "
                             "it is a permanent canary")
