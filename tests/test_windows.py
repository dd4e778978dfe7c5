"""Window evaluation: days/hours, windows past midnight, DST, cron forms, windows together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wavec.lang.values import Clock
from wavec.schedule.cron import CronError, parse_cron
from wavec.schedule.windows import is_open, longest_opening, next_close, next_open, next_open_all
from wavec.semantics import ir
from wavec.source import SourceFile, Span

SPAN = Span(SourceFile("t.wave", ""), 0, 0)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def window(days: tuple[str, ...] = WEEKDAYS, hours: tuple[str, str] | None = ("09:00", "17:00"),
           tz: str = "UTC", cron: str | None = None) -> ir.Window:
    clocks = None
    if hours is not None and cron is None:
        a, b = (int(h[:2]) * 60 + int(h[3:]) for h in hours)
        clocks = (Clock(a), Clock(b))
    return ir.Window("w", SPAN, days=() if cron else days, hours=clocks, cron=cron, timezone=tz)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_business_hours_open_and_closed() -> None:
    w = window()
    assert is_open(w, utc(2024, 3, 8, 9, 0))          # Friday 09:00: opens exactly then
    assert is_open(w, utc(2024, 3, 8, 16, 59))
    assert not is_open(w, utc(2024, 3, 8, 17, 0))     # [from, to): closed at 17:00
    assert not is_open(w, utc(2024, 3, 9, 12, 0))     # Saturday


def test_next_open_waits_over_the_weekend() -> None:
    w = window()
    assert next_open(w, utc(2024, 3, 8, 17, 30)) == utc(2024, 3, 11, 9, 0)   # Friday evening → Monday
    assert next_open(w, utc(2024, 3, 11, 10, 0)) == utc(2024, 3, 11, 10, 0)  # open: now
    assert next_close(w, utc(2024, 3, 11, 10, 0)) == utc(2024, 3, 11, 17, 0)


def test_time_zone_of_the_window() -> None:
    w = window(tz="Asia/Tokyo")  # 09:00 JST is 00:00 UTC
    assert next_open(w, utc(2024, 3, 8, 12, 0)) == utc(2024, 3, 11, 0, 0)
    assert is_open(w, utc(2024, 3, 10, 23, 30)) is False  # Sunday 23:30 UTC is Monday 08:30 in Tokyo
    assert is_open(w, utc(2024, 3, 11, 0, 30))


def test_window_past_midnight() -> None:
    w = window(days=("fri",), hours=("22:00", "06:00"))
    assert is_open(w, utc(2024, 3, 8, 23, 0))            # Friday night
    assert is_open(w, utc(2024, 3, 9, 5, 59))            # Saturday early morning belongs to Friday's opening
    assert not is_open(w, utc(2024, 3, 9, 6, 0))
    assert not is_open(w, utc(2024, 3, 8, 3, 0))         # Friday early morning belongs to Thursday: closed
    assert next_open(w, utc(2024, 3, 9, 7, 0)) == utc(2024, 3, 15, 22, 0)
    assert next_close(w, utc(2024, 3, 8, 23, 0)) == utc(2024, 3, 9, 6, 0)


def test_nightly_window_merges_into_one_opening_across_days() -> None:
    w = window(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), hours=("00:00", "12:00"))
    every = window(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), hours=("12:00", "00:00"))
    assert next_close(every, utc(2024, 3, 8, 13, 0)) == utc(2024, 3, 9, 0, 0)
    assert longest_opening(w, utc(2024, 3, 1)) == timedelta(hours=12)


def test_dst_spring_forward_shortens_a_night_window() -> None:
    # New York springs forward on Sunday 2024-03-10 at 02:00 (EST, UTC-5 → EDT, UTC-4).
    w = window(days=("sat",), hours=("22:00", "06:00"), tz="America/New_York")
    assert next_open(w, utc(2024, 3, 9, 12, 0)) == utc(2024, 3, 10, 3, 0)     # 22:00 EST
    assert next_close(w, utc(2024, 3, 10, 3, 0)) == utc(2024, 3, 10, 10, 0)   # 06:00 EDT: 7 real hours


def test_dst_fall_back_lengthens_a_night_window() -> None:
    # New York falls back on Sunday 2024-11-03 at 02:00 (EDT → EST): the night lasts 9 real hours.
    w = window(days=("sat",), hours=("22:00", "06:00"), tz="America/New_York")
    start = next_open(w, utc(2024, 11, 2, 12, 0))
    assert start == utc(2024, 11, 3, 2, 0)                                   # 22:00 EDT
    assert next_close(w, start) == utc(2024, 11, 3, 11, 0)                   # 06:00 EST


def test_opening_inside_the_spring_forward_gap_starts_after_it() -> None:
    w = window(days=("sun",), hours=("02:30", "04:00"), tz="America/New_York")
    # 02:30 does not exist on 2024-03-10; the opening starts at 03:30 EDT = 07:30 UTC.
    assert next_open(w, utc(2024, 3, 9, 0, 0)) == utc(2024, 3, 10, 7, 30)


def test_business_hours_follow_summer_time() -> None:
    w = window(tz="Europe/Berlin")
    assert next_open(w, utc(2024, 3, 29, 16, 0)) == utc(2024, 4, 1, 7, 0)   # CEST from 31 March: 09:00 = 07:00Z
    assert next_open(w, utc(2024, 3, 22, 16, 0)) == utc(2024, 3, 25, 8, 0)  # still CET: 09:00 = 08:00Z


def test_cron_forms_agree() -> None:
    forms = ["* * 9-16 ? * MON-FRI *", "* 9-16 ? * MON-FRI *", "* 9-16 ? * MON-FRI", "0 * 9-16 ? * 2-6"]
    for form in forms:
        w = window(cron=form)
        assert next_open(w, utc(2024, 3, 8, 17, 30)) == utc(2024, 3, 11, 9, 0), form
        assert next_close(w, utc(2024, 3, 11, 9, 0)) == utc(2024, 3, 11, 17, 0), form


def test_cron_last_day_and_nth_weekday() -> None:
    last = window(cron="* 10-11 L * ? *")
    assert next_open(last, utc(2024, 2, 1)) == utc(2024, 2, 29, 10, 0)        # leap year
    first_monday = window(cron="* 9 ? * MON#1 *")
    assert next_open(first_monday, utc(2024, 3, 5)) == utc(2024, 4, 1, 9, 0)
    last_friday = window(cron="* 9 ? * 6L *")
    assert next_open(last_friday, utc(2024, 3, 1)) == utc(2024, 3, 29, 9, 0)


def test_cron_a_single_minute_is_a_one_minute_window() -> None:
    w = window(cron="0 9 ? * MON *")
    assert next_close(w, utc(2024, 3, 11, 9, 0)) == utc(2024, 3, 11, 9, 1)


@pytest.mark.parametrize(("expr", "needle"), [
    ("* * *", "expected 5, 6 or 7 fields"),
    ("* 25 ? * MON *", "out of range"),
    ("* 9 15W * ? *", "not supported"),
    ("* 9 1 * MON *", "write `?`"),
    ("30 * 9 ? * MON *", "seconds field"),
    ("* 9 ? * FUNDAY *", "not a valid day of week"),
])
def test_cron_errors_say_what_is_wrong(expr: str, needle: str) -> None:
    with pytest.raises(CronError, match=needle.replace("?", r"\?")):
        parse_cron(expr)


def test_never_and_together() -> None:
    feb30 = window(cron="* * 30 2 ? *")
    assert next_open(feb30, utc(2024, 1, 1)) is None
    mornings = window(days=("mon",), hours=("08:00", "10:00"))
    evenings = window(days=("mon",), hours=("18:00", "20:00"))
    assert next_open_all([mornings, evenings], utc(2024, 3, 8)) is None
    office = window()
    late = window(hours=("16:00", "20:00"), tz="Europe/London")
    assert next_open_all([office, late], utc(2024, 3, 8, 17, 0)) == utc(2024, 3, 11, 16, 0)
    assert next_open_all([], utc(2024, 3, 8, 17, 0)) == utc(2024, 3, 8, 17, 0)
