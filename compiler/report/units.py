"""Formatting shared by the reports: instants, durations, shares — the same everywhere, deterministic."""

from __future__ import annotations

from datetime import UTC, datetime

from ..lang.values import format_duration


def iso(t: datetime | None) -> str | None:
    """``2024-03-11T08:00:00Z`` (UTC), or ``None``."""
    return None if t is None else t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(t: datetime | None) -> str:
    """``Mon 2024-03-11 08:00Z`` for tables; ``never`` when the node can never run."""
    return "never" if t is None else t.astimezone(UTC).strftime("%a %Y-%m-%d %H:%MZ")


def dur(seconds: int | None) -> str:
    """``2d15h10m``; ``0s`` for nothing; ``-`` for unknown."""
    return "-" if seconds is None else format_duration(int(seconds))


def pct(share: float | None) -> str:
    """A share 0…1 as a percentage with at most two decimals: ``0.5%``, ``12.25%``, ``100%``."""
    if share is None:
        return "-"
    text = f"{share * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def share(x: float | None) -> float | None:
    """A share rounded for JSON (6 decimals), so float noise never changes the output."""
    return None if x is None else round(x, 6)
