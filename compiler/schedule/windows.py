"""Deployment windows as pure functions of time: is a window open at T, when does it next open, close.

A window is either ``days`` × ``hours`` (``[from, to)``, wall-clock times in the
window's ``timezone``; ``to`` earlier than ``from`` means the opening runs past
midnight into the next day) or a CodePipeline-style ``cron`` expression (see
:mod:`wavec.schedule.cron`): then the window is open during every minute the
expression matches.

Everything here works on *local calendar days*: each day that opens yields an
interval of wall-clock times, converted to real (UTC) instants with
:mod:`zoneinfo`. So daylight-saving changes are honoured as a clock on the
wall honours them: ``[22:00, 06:00)`` across the autumn change is nine real
hours long, and an opening at a wall time that does not exist (02:30 on the
spring-forward night) starts at the first real instant after the gap.

The functions take aware datetimes and return aware UTC datetimes; a
``horizon`` bounds every search so a window that never opens gives ``None``
instead of looping forever.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from ..lang.values import Clock
from ..records import record
from .cron import Cron, CronError, parse_cron

__all__ = [
    "DEFAULT_HORIZON",
    "CronError",
    "Window",
    "WindowLike",
    "is_open",
    "longest_opening",
    "next_close",
    "next_open",
    "next_open_all",
    "openings",
]

DEFAULT_HORIZON = timedelta(days=400)
"""How far ahead searches look: more than a year, so yearly and monthly patterns are seen."""



class WindowLike(Protocol):
    """What the functions read of a window: the IR's ``Window`` and the runner's :class:`Window` both fit."""

    @property
    def days(self) -> tuple[str, ...]: ...

    @property
    def hours(self) -> tuple[Clock, Clock] | None: ...

    @property
    def cron(self) -> str | None: ...

    @property
    def timezone(self) -> str: ...


@record
class Window:
    """A plain window value, for callers without an IR (the runner reading a plan)."""

    name: str
    days: tuple[str, ...] = ()
    hours: tuple[Clock, Clock] | None = None
    cron: str | None = None
    timezone: str = "UTC"


_DAY_INDEX = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
Interval = tuple[datetime, datetime]


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _cron(window: WindowLike) -> Cron | None:
    """The window's parsed cron expression; ``None`` for a days/hours window.

    Raises :class:`CronError` for an expression this module cannot evaluate.
    """
    return parse_cron(window.cron) if window.cron is not None else None


def evaluable(window: WindowLike) -> bool:
    """Whether this module can evaluate the window; one it cannot (an unsupported cron: WV253) is planned as
    always open, and drawn without bands."""
    try:
        _cron(window)
    except CronError:
        return False
    return True


def _instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The real instant of a wall-clock minute of a local day (``minute`` may be 1440 = next midnight)."""
    extra, minute = divmod(minute, 1440)
    local = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60), tzinfo=tz)
    # A wall time in a spring-forward gap does not exist; zoneinfo (fold=0) reads it with the offset from
    # before the gap, which lands just as far after the gap: 02:30 on that night is 03:30 summer time.
    # A repeated wall time (autumn) is its first occurrence.
    return local.astimezone(UTC)


def _day_runs(window: WindowLike, day: date) -> list[tuple[int, int]]:
    """Open runs of a local day as wall-clock minutes ``[start, end)``; ``end`` may pass 1440 (midnight)."""
    cron = _cron(window)
    if cron is not None:
        return cron.day_runs(day)
    if window.hours is None or not window.days:
        return []
    if day.weekday() not in {_DAY_INDEX[d] for d in window.days}:
        return []
    start, end = window.hours[0].minutes, window.hours[1].minutes
    return [(start, end if end > start else end + 1440)]


def openings(window: WindowLike, start: datetime, end: datetime) -> Iterator[Interval]:
    """The window's openings that overlap ``[start, end)``, merged, as UTC intervals in time order."""
    tz = _zone(window.timezone)
    day = start.astimezone(tz).date() - timedelta(days=1)  # an opening of the day before may run past midnight
    last = end.astimezone(tz).date()
    pending: Interval | None = None
    while day <= last:
        for a, b in _day_runs(window, day):
            iv = (_instant(day, a, tz), _instant(day, b, tz))
            if iv[1] <= iv[0]:
                continue
            if pending is not None and iv[0] <= pending[1]:
                pending = (pending[0], max(pending[1], iv[1]))
                continue
            if pending is not None and pending[1] > start:
                yield pending
            pending = iv
        day += timedelta(days=1)
    if pending is not None and pending[1] > start and pending[0] < end:
        yield pending


def _containing_or_next(window: WindowLike, at: datetime, horizon: timedelta) -> Interval | None:
    # Ask one extra day so an opening that starts before the horizon is seen whole when it ends after it.
    for iv in openings(window, at, at + horizon):
        if iv[1] > at:
            return iv
    return None


def is_open(window: WindowLike, at: datetime) -> bool:
    """Whether the window is open at the instant ``at``."""
    iv = _containing_or_next(window, at, timedelta(days=2))
    return iv is not None and iv[0] <= at < iv[1]


def next_open(window: WindowLike, at: datetime, horizon: timedelta = DEFAULT_HORIZON) -> datetime | None:
    """The first instant at or after ``at`` when the window is open (``at`` itself when open), in UTC.

    ``None`` when it does not open within ``horizon``.
    """
    iv = _containing_or_next(window, at, horizon)
    if iv is None:
        return None
    return max(iv[0], at.astimezone(UTC))


def next_close(window: WindowLike, at: datetime, horizon: timedelta = DEFAULT_HORIZON) -> datetime | None:
    """When the opening that holds ``at`` (or the next one) closes, in UTC; ``None`` if it never opens."""
    iv = _containing_or_next(window, at, horizon)
    if iv is None:
        return None
    # The merged interval may continue past the searched range: follow it day by day.
    end = iv[1]
    while True:
        more = _containing_or_next(window, end, timedelta(days=2))
        if more is None or more[0] > end:
            return end
        if more[1] <= end:  # pragma: no cover - openings are merged, so this cannot repeat
            return end
        end = more[1]
        if end - iv[0] > horizon:
            return end


def next_open_all(windows: Sequence[WindowLike], at: datetime,
                  horizon: timedelta = DEFAULT_HORIZON) -> datetime | None:
    """The first instant at or after ``at`` when every window is open at once; ``None`` if not within ``horizon``.

    No windows means no constraint: ``at`` itself.
    """
    t = at.astimezone(UTC)
    limit = t + horizon
    while t <= limit:
        moved = False
        for w in windows:
            n = next_open(w, t, limit - t + timedelta(minutes=1))
            if n is None:
                return None
            if n > t:
                t, moved = n, True
        if not moved:
            return t
    return None


def longest_opening(window: WindowLike, around: datetime, span: timedelta = timedelta(days=28)
                    ) -> timedelta | None:
    """The longest single opening of the window in the ``span`` after ``around``; ``None`` if it never opens.

    A window open all the time gives ``span`` (and more): callers compare with a bake.
    """
    best: timedelta | None = None
    for a, b in openings(window, around, around + span):
        length = b - a
        if best is None or length > best:
            best = length
    return best
