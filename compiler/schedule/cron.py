"""A small parser and matcher for the cron expressions of CodePipeline's ``DeploymentWindow`` rule.

Supported forms (fields separated by blanks):

* 7 fields, the form CodePipeline documents: ``seconds minutes hours day-of-month month day-of-week year``;
* 6 fields: the same without ``year`` (``* 0-59 9-16 ? * MON-FRI``) **or** the EventBridge form
  ``minutes hours day-of-month month day-of-week year`` (``* 9-16 ? * MON-FRI *``) — told apart by where
  the ``?`` is, which both forms require in day-of-month or day-of-week;
* 5 fields: ``minutes hours day-of-month month day-of-week``.

Each field is a comma list of ``*``, ``?`` (day fields), ``N``, ``A-B``, ``*/S``, ``N/S``, ``A-B/S``;
months as ``1-12`` or ``JAN``–``DEC``; days of the week as ``1-7`` or ``SUN``–``SAT`` (``1`` is Sunday,
as in CodePipeline and EventBridge). Day-of-month also takes ``L`` (the last day); day-of-week takes
``L`` (Saturday), ``NL`` (the last such weekday of the month) and ``N#K`` (the K-th such weekday).
The seconds field must be ``*`` or ``0``: a window is evaluated by the minute. ``W``, ``LW`` and
``L-N`` are not supported and raise :class:`CronError` with a message saying so.

The window is open during every minute the expression matches: ``* 9-16 ? * MON-FRI *`` is open
09:00–17:00 on weekdays, ``0 9 ? * MON *`` only for the minute 09:00–09:01 on Mondays.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ..records import record

if TYPE_CHECKING:
    from datetime import date

__all__ = ["Cron", "CronError", "CronUnsupported", "parse_cron"]

_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class CronError(ValueError):
    """An expression this parser does not accept; the message says why, for a diagnostic."""


class CronUnsupported(CronError):
    """A valid CodePipeline expression using a feature wavec cannot evaluate locally (``W``, ``L-N``)."""


@record
class Cron:
    """A parsed expression: the sets each field allows (``None`` = any)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: frozenset[int] | None
    dom_last: bool
    months: frozenset[int]
    dow: frozenset[int] | None  # 1 = Sunday … 7 = Saturday
    dow_last: frozenset[int]  # "5L": the last Thursday of the month
    dow_nth: frozenset[tuple[int, int]]  # "2#1": the first Monday
    years: frozenset[int] | None

    def matches_day(self, day: date) -> bool:
        """Whether the expression allows this calendar day."""
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        import calendar  # only for a window's schedule: a check of a file without one needs none

        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom is not None or self.dom_last:
            return day.day in (self.dom or ()) or (self.dom_last and day.day == last)
        if self.dow is None and not self.dow_last and not self.dow_nth:
            return True
        wd = (day.weekday() + 1) % 7 + 1  # Monday is 2, Sunday is 1
        if self.dow is not None and wd in self.dow:
            return True
        if wd in self.dow_last and day.day + 7 > last:
            return True
        return (wd, (day.day - 1) // 7 + 1) in self.dow_nth

    def day_runs(self, day: date) -> list[tuple[int, int]]:
        """Runs of matching minutes of a day, as ``[start, end)`` minutes after midnight."""
        if not self.matches_day(day):
            return []
        return list(_runs(self.hours, self.minutes))


@functools.cache
def _runs(hours: frozenset[int], minutes: frozenset[int]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for m in sorted(h * 60 + x for h in hours for x in minutes):
        if out and out[-1][1] == m:
            out[-1] = (out[-1][0], m + 1)
        else:
            out.append((m, m + 1))
    return tuple(out)


def _value(token: str, lo: int, hi: int, names: dict[str, int], what: str) -> int:
    key = token.upper()
    if key in names:
        return names[key]
    if not token.isdigit():
        raise CronError(f"`{token}` is not a valid {what}")
    v = int(token)
    if not lo <= v <= hi:
        raise CronError(f"{what} `{token}` is out of range {lo}-{hi}")
    return v


def _field(text: str, lo: int, hi: int, what: str, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """A plain field: ``None`` for ``*`` or ``?``, else the set of allowed values."""
    names = names or {}
    if text in ("*", "?"):
        return None
    out: set[int] = set()
    for item in text.split(","):
        body, _, step_s = item.partition("/")
        step = 1
        if step_s:
            if not step_s.isdigit() or int(step_s) == 0:
                raise CronError(f"`{item}`: the step after `/` must be a positive number")
            step = int(step_s)
        if body == "*":
            a, b = lo, hi
        elif "-" in body:
            left, right = body.split("-", 1)
            a, b = _value(left, lo, hi, names, what), _value(right, lo, hi, names, what)
            if b < a:
                raise CronError(f"`{item}`: the range {what} runs backwards")
        else:
            a = _value(body, lo, hi, names, what)
            b = hi if step_s else a
        out.update(range(a, b + 1, step))
    return frozenset(out)


def _unsupported(text: str, what: str) -> None:
    upper = text.upper()
    if "W" in upper.replace("WED", "") or "L-" in upper:
        raise CronUnsupported(f"`{text}` in {what}: `W`, `LW` and `L-N` are not supported by wavec's window "
                        "evaluation; list the days instead")


def _dom(text: str) -> tuple[frozenset[int] | None, bool]:
    _unsupported(text, "day-of-month")
    parts = text.split(",")
    last = "L" in (p.upper() for p in parts)
    rest = ",".join(p for p in parts if p.upper() != "L")
    return (_field(rest, 1, 31, "day of month") if rest else None), last


def _dow(text: str) -> tuple[frozenset[int] | None, frozenset[int], frozenset[tuple[int, int]]]:
    _unsupported(text, "day-of-week")
    plain: list[str] = []
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in text.split(","):
        up = item.upper()
        if up == "L":
            plain.append("7")
        elif up.endswith("L"):
            last.add(_value(item[:-1], 1, 7, _WEEKDAYS, "day of week"))
        elif "#" in item:
            day, _, k = item.partition("#")
            if not k.isdigit() or not 1 <= int(k) <= 5:
                raise CronError(f"`{item}`: the number after `#` is 1-5 (the K-th such day of the month)")
            nth.add((_value(day, 1, 7, _WEEKDAYS, "day of week"), int(k)))
        else:
            plain.append(item)
    values = _field(",".join(plain), 1, 7, "day of week", _WEEKDAYS) if plain else None
    if plain and values is None and (last or nth):
        values = frozenset(range(1, 8))
    return values, frozenset(last), frozenset(nth)


@functools.cache
def parse_cron(text: str) -> Cron:
    """Parse an expression (see the module docs for the forms); raises :class:`CronError`."""
    fields = text.split()
    if len(fields) == 7:
        sec, rest = fields[0], fields[1:]
    elif len(fields) == 6 and "?" in (fields[3], fields[5]) and "?" not in (fields[2], fields[4]):
        sec, rest = fields[0], [*fields[1:], "*"]
    elif len(fields) == 6:
        sec, rest = "*", fields
    elif len(fields) == 5:
        sec, rest = "*", [*fields, "*"]
    else:
        raise CronError(f"expected 5, 6 or 7 fields, found {len(fields)}")
    if sec not in ("*", "0"):
        raise CronError(f"the seconds field must be `*` or `0` (windows open by the minute), found `{sec}`")
    mi, ho, dom_s, mo, dow_s, yr = rest
    minutes = _field(mi, 0, 59, "minute")
    hours = _field(ho, 0, 23, "hour")
    months = _field(mo, 1, 12, "month", _MONTHS)
    years = _field(yr, 1970, 2199, "year")
    dom, dom_last = _dom(dom_s)
    dow, dow_last, dow_nth = _dow(dow_s)
    dom_set = dom is not None or dom_last
    dow_set = dow is not None or bool(dow_last) or bool(dow_nth)
    if dom_set and dow_set:
        raise CronError("both day-of-month and day-of-week are set; write `?` in one of them")
    return Cron(
        text=text,
        minutes=minutes if minutes is not None else frozenset(range(60)),
        hours=hours if hours is not None else frozenset(range(24)),
        dom=dom, dom_last=dom_last,
        months=months if months is not None else frozenset(range(1, 13)),
        dow=dow, dow_last=dow_last, dow_nth=dow_nth, years=years,
    )
