"""The runner's clock: virtual time that runs ``speed`` times faster than the wall clock.

Every wait of a rollout (bake, gate interval, window) is expressed in virtual
seconds and slept for ``seconds / speed`` real seconds, so ``--speed 600`` turns
a ten-minute bake into one second. ``--now`` pins the virtual start instant, so
window decisions are reproducible in tests. Waits return early when the run is
stopped (Ctrl-C, a breach elsewhere).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any


class Clock:
    """Virtual time: ``start`` plus real elapsed time multiplied by ``speed``."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.start = (start or datetime.now(UTC)).astimezone(UTC)
        self._t0 = time.monotonic()
        self.stopped = threading.Event()

    def now(self) -> datetime:
        """The virtual instant now."""
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        """Wait ``seconds`` of virtual time; ``False`` when stopped (or ``cancel`` set) first."""
        deadline = time.monotonic() + max(0.0, seconds) / self.speed
        while True:
            if self.stopped.is_set() or (cancel is not None and cancel.is_set()):
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            # Wake at least every 50 ms to notice a cancellation of this particular wait.
            self.stopped.wait(min(left, 0.05))

    def stop(self) -> None:
        """End every wait in progress and to come."""
        self.stopped.set()


def iso(t: datetime) -> str:
    """A virtual instant as the events carry it (``at``): ISO 8601 in UTC with ``Z``, as the emulator writes it."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def instant(text: object) -> datetime | None:
    """The instant an event's ``at`` holds, ``None`` when it has none (a journal of an older wavec)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def spent(events: Iterable[dict[str, Any]]) -> float:
    """Virtual seconds a run has spent over its attempts, from its events' ``at``.

    Each attempt (opened by ``run_started`` or ``run_resumed``) has a clock of its own — a resumed run's starts
    again at ``--now``, or at the wall clock — so the attempts' spans are added, not the first and last instant
    compared.
    """
    total, opened, last = 0.0, None, None
    for event in events:
        at = instant(event.get("at"))
        if at is None:
            continue
        if event.get("event") in ("run_started", "run_resumed"):
            if opened is not None and last is not None:
                total += max(0.0, (last - opened).total_seconds())
            opened = at
        elif opened is None:
            opened = at
        last = at
    if opened is not None and last is not None:
        total += max(0.0, (last - opened).total_seconds())
    return total
