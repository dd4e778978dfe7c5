"""Decoding of literal tokens: strings (escapes, ``${…}``), numbers with units, clocks.

Malformed literals are reported and replaced by a harmless value so that one
typo does not hide the rest of the file's diagnostics.
"""

from __future__ import annotations

import re

from ..diagnostics import Sink
from ..diagnostics.codes import builtin as codes
from ..lang.values import UNIT_SECONDS, format_duration
from ..limits import MAX_DIGITS, MAX_STRING
from ..source import SourceFile, Span
from . import tree as t

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_DURATION_PART = re.compile(r"(\d+)([a-zA-Z]+)")
_NEXT_UNIT = {"d": "h", "h": "m", "m": "s"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DIGITS = re.compile(r"\d+")
_PLAIN = re.compile(r"[^\\$]*")  # what decodes to itself: up to the next escape or `$`
# Common ways people spell units, mapped to the one the language uses.
_UNIT_HINTS = {
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "day": "d", "days": "d", "ms": "s", "w": "d", "wk": "d", "week": "d", "weeks": "d",
}


def decode_string(src: SourceFile, start: int, raw: str, sink: Sink) -> t.StringLit:
    """Decode a quoted string token starting at ``start`` (the opening quote)."""
    if len(raw) - 2 > MAX_STRING:
        sink.report(
            codes.STRING_TOO_LONG, f"string of {len(raw) - 2} characters is longer than the limit of {MAX_STRING}",
            Span(src, start, start + 1), label="this string",
            help="keep long scripts in files of the repository and run them by name",
        )
        return t.StringLit(("",), Span(src, start, start + len(raw)))
    body = raw[1:-1]
    if "\\" not in body and "$" not in body:  # nearly every string: no escape, no interpolation
        return t.StringLit((body,), Span(src, start, start + len(raw)))
    parts: list[str | t.Interp] = []
    buf: list[str] = []
    i = 0
    base = start + 1
    n = len(body)
    while i < n:
        plain = _PLAIN.match(body, i).end()  # type: ignore[union-attr]  # `*` always matches
        if plain > i:  # a run of characters that stand for themselves, taken at once
            buf.append(body[i:plain])
            i = plain
            continue
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1] if i + 1 < n else ""
            if nxt in _ESCAPES:
                buf.append(_ESCAPES[nxt])
            else:
                sink.report(
                    codes.UNKNOWN_ESCAPE,
                    f"unknown escape `\\{nxt}` in a string",
                    Span(src, base + i, base + i + 2),
                    label="not an escape the language knows",
                    help='strings know `\\"`, `\\\\` and `\\n`; write `\\\\` for a backslash',
                )
                buf.append(nxt)
            i += 2
            continue
        if ch == "$" and body.startswith("$${", i):
            buf.append("${")
            i += 3
            continue
        if ch == "$" and body.startswith("${", i):
            close = body.find("}", i + 2)
            if close == -1:
                sink.report(
                    codes.MALFORMED_INTERPOLATION,
                    "interpolation `${` is never closed",
                    Span(src, base + i, base + n),
                    label="opened here",
                    help="close it with `}` (`${region}`), or write `$${` for a literal `${`",
                )
                buf.append(body[i:])
                break
            name = body[i + 2 : close].strip()
            span = Span(src, base + i, base + close + 1)
            if not _NAME.match(name):
                sink.report(
                    codes.MALFORMED_INTERPOLATION,
                    f"`${{{body[i + 2 : close]}}}` does not name a value",
                    span,
                    label="expected a name inside `${…}`",
                    help="interpolate one name, such as `${region}`; write `$${` for a literal `${`",
                )
            else:
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(t.Interp(name, span))
            i = close + 1
            continue
        buf.append(ch)
        i += 1
    if buf or not parts:
        parts.append("".join(buf))
    return t.StringLit(tuple(parts), Span(src, start, start + len(raw)))


def _too_many_digits(span: Span, text: str, sink: Sink) -> bool:
    """Report a literal with a run of more than ``MAX_DIGITS`` digits (``int()`` refuses 4,301 of them)."""
    if len(text) <= MAX_DIGITS or max((len(d) for d in _DIGITS.findall(text)), default=0) <= MAX_DIGITS:
        return False
    sink.report(codes.INVALID_NUMBER, f"`{text[:20]}…` has more digits than the limit of {MAX_DIGITS}", span,
                label="too many digits", help="numbers and durations are far smaller in any real pipeline")
    return True


def decode_number(span: Span, text: str, sink: Sink) -> t.NumberLit | t.DurationLit:
    """Classify ``3``, ``0.25``, ``30s`` and ``1h30m``; report misspelt units and oversized literals."""
    if _too_many_digits(span, text, sink):
        return t.NumberLit(1, span) if text.replace(".", "", 1).isdigit() else t.DurationLit(0, span)
    if text.replace(".", "", 1).isdigit():
        return t.NumberLit(float(text) if "." in text else int(text), span)
    m = _DURATION.fullmatch(text)
    if m and any(m.groups()):
        seconds = sum(int(g) * mult for g, mult in zip(m.groups(), (86400, 3600, 60, 1), strict=True) if g)
        return t.DurationLit(seconds, span)
    suggestion = _suggest_duration(text)
    sink.report(
        codes.INVALID_NUMBER,
        f"`{text}` is not a number or a duration",
        span,
        label="unknown unit" if suggestion else "not a literal",
        help=(f"write `{suggestion}`; " if suggestion else "")
        + "durations are whole numbers with units d, h, m, s, largest first, such as `90s` or `1h30m`",
    )
    return t.DurationLit(0, span)


def _suggest_duration(text: str) -> str | None:
    # `1h30` (the minutes' unit left out): the bare number takes the unit after the one before it.
    bare = re.fullmatch(r"(.*[A-Za-z])(\d+)", text)
    if bare and bare.group(1)[-1].lower() in _NEXT_UNIT:
        text = bare.group(1) + bare.group(2) + _NEXT_UNIT[bare.group(1)[-1].lower()]
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    total = 0
    for number, unit in parts:
        canon = unit if unit in UNIT_SECONDS else _UNIT_HINTS.get(unit.lower(), unit.lower())
        if canon not in UNIT_SECONDS:
            return None
        value = int(number) * (7 if unit.lower() in {"w", "wk", "week", "weeks"} else 1)
        if unit == "ms":
            value = max(1, int(number) // 1000)
        total += value * UNIT_SECONDS[canon]
    return format_duration(total)


def decode_percent(span: Span, text: str, sink: Sink) -> t.PercentLit:
    """``5%``, ``0.5%``; a literal with too many digits is reported."""
    if _too_many_digits(span, text, sink):
        return t.PercentLit(0.0, span)
    return t.PercentLit(float(text[:-1]), span)


def decode_clock(span: Span, text: str, sink: Sink) -> t.ClockLit:
    """``HH:MM`` → minutes after midnight; out-of-range hours or minutes are reported."""
    hours, minutes = int(text[:2]), int(text[3:])
    if hours > 23 or minutes > 59:
        sink.report(
            codes.INVALID_TIME_OF_DAY,
            f"`{text}` is not a time of day",
            span,
            label="hours run 00–23 and minutes 00–59",
            help="clocks are 24-hour `HH:MM`; the end of the day is `00:00` of the next, write `23:59`",
        )
        return t.ClockLit(0, span)
    return t.ClockLit(hours * 60 + minutes, span)
