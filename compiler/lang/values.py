"""Compile-time values: strings with interpolations, durations, percents, clocks, enum members.

Unit-carrying values are distinct types that compare only with their own kind
(``Duration(3600) > Duration(1800)``; a duration and a number do not compare).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..records import record
from ..source import Span

# Duration units, largest first: the one table parsing and formatting share.
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def format_duration(seconds: int) -> str:
    """Canonical text of a duration: ``5400`` → ``1h30m``, ``-60`` → ``-1m``."""
    if seconds == 0:
        return "0s"
    if seconds < 0:  # `30m - 1h`, `-1h`: values of the operators, refused later where an attribute needs >= 0
        return "-" + format_duration(-seconds)
    out = []
    for unit, size in UNIT_SECONDS.items():
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out)


@record
class Var:
    """An interpolation left in a string: a context name (``region``), a run-time one (``execution``), or —
    with ``value`` — a ``let`` string's text, which a command receives as data (:mod:`wavec.lang.shell`) and
    any other string as its text."""

    name: str
    span: Span | None = None
    value: str | None = None


@record
class Template:
    """A string whose ``${…}`` of ``let`` values are already substituted; the rest are :class:`Var`."""

    parts: tuple[str | Var, ...]
    span: Span | None = None

    @staticmethod
    def plain(text: str, span: Span | None = None) -> Template:
        """A template with no interpolation."""
        return Template((text,), span)

    @property
    def vars(self) -> tuple[str, ...]:
        """Names left to interpolate (not ``let`` values, which are known), in order, without repeats."""
        seen: dict[str, None] = {}
        for p in self.parts:
            if isinstance(p, Var) and p.value is None:
                seen.setdefault(p.name)
        return tuple(seen)

    @property
    def is_plain(self) -> bool:
        """Whether nothing is left to interpolate (``let`` values are known text)."""
        return all(isinstance(p, str) or p.value is not None for p in self.parts)

    @property
    def text(self) -> str:
        """The template written back with ``${name}`` for each remaining variable (``let`` values as their text)."""
        return "".join(p if isinstance(p, str) else p.value if p.value is not None else "${" + p.name + "}"
                       for p in self.parts)

    def render(self, env: Mapping[str, str], missing: str = "keep") -> str:
        """Substitute ``env``; unknown names are kept as ``${name}`` or, with ``missing="empty"``, dropped.

        ``let`` values become their text: a string, not a command (commands go through :mod:`wavec.lang.shell`).
        """
        out: list[str] = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            elif p.value is not None:
                out.append(p.value)
            elif p.name in env:
                out.append(env[p.name])
            elif missing == "keep":
                out.append("${" + p.name + "}")
        return "".join(out)

    def __str__(self) -> str:
        return self.text


@record(order=True)
class Duration:
    """A span of time in whole seconds."""

    seconds: int

    def __str__(self) -> str:
        return format_duration(self.seconds)


@record(order=True)
class Percent:
    """A percentage as written (``0.5`` for ``0.5%``)."""

    value: float

    @property
    def fraction(self) -> float:
        """The share as a fraction 0…1."""
        return self.value / 100.0

    def __str__(self) -> str:
        v = self.value
        return f"{int(v)}%" if v == int(v) else f"{v}%"


@record(order=True)
class Clock:
    """A time of day in minutes after midnight."""

    minutes: int

    def __str__(self) -> str:
        return f"{self.minutes // 60:02d}:{self.minutes % 60:02d}"


@record
class EnumMember:
    """A bare name that is a member of the enum the schema expects (``rollback``, ``test``)."""

    name: str

    def __str__(self) -> str:
        return self.name


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def source_text(value: object) -> str:
    """A compile-time value written back as a `.wave` file would write it: ``1h``, ``"main"``, ``[]``.

    The docs show the schema's typed defaults this way, so they read as the user writes them.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Template):
        escaped = "".join(_escape(p) if isinstance(p, str) else _escape(p.value) if p.value is not None
                          else "${" + p.name + "}" for p in value.parts)
        return f'"{escaped}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(source_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        entries = (f"{k if k.isidentifier() else source_text(Template.plain(k))} = {source_text(v)}"
                   for k, v in value.items())
        return "{ " + ", ".join(entries) + " }"
    return str(value)
