"""The cyclic garbage collector paused for a block of work that makes many small objects and no cycles.

Checking, building a plan and encoding it allocate millions of small objects and no reference cycles, so the
collector's passes over them only cost time (a third of a large check); the work pauses it, and restores it
as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block (it stays off if it already was)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
