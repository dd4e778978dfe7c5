""""Did you mean …?" suggestions, shared by every unknown-name diagnostic."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate most like ``word`` (case-insensitive first), or ``None``."""
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    import difflib  # only for a name that is not known: a clean check needs none

    found = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "`") -> str | None:
    """A help line "did you mean `x`?" when something close exists."""
    best = closest(word, candidates)
    return f"did you mean {quote}{best}{quote}?" if best else None
