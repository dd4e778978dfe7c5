"""The regular expressions of ``matches``: RE2, so a search takes time linear in its string, whatever the pattern.

Patterns are RE2 syntax (https://github.com/google/re2/wiki/Syntax): Python's ``re`` without what needs
backtracking — no backreferences (``\\1``, ``(?P=name)``), no lookaround (``(?=`` ``(?!`` ``(?<=`` ``(?<!``),
no ``\\Z`` (write ``\\z`` or ``$``). Every other pattern is accepted, ``(a|a){0,18}b`` and ``(a+)+`` included:
RE2 runs them as automata, never by backtracking. A pattern is at most :data:`MAX_PATTERN` characters and
RE2 compiles it within :data:`MAX_PROGRAM_BYTES` of memory.

A search costs its rule the length of the string searched (the rule's budget counts work, not steps).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import re2

MAX_PATTERN = 256
MAX_PROGRAM_BYTES = 8 << 20
"""Memory RE2 may use for one compiled pattern and its automata (its own default)."""

_UNSUPPORTED = (
    ("(?=", "lookahead"), ("(?!", "lookahead"), ("(?<=", "lookbehind"), ("(?<!", "lookbehind"),
    ("(?P=", "a backreference"), ("(?(", "a conditional"), ("(?>", "an atomic group"),
)

_BACKREFERENCE = r"invalid escape sequence: \\[1-9g]"  # compiled by re when a pattern is refused


class RegexError(ValueError):
    """A pattern RE2 does not accept, or one longer than :data:`MAX_PATTERN`."""


class Pattern(Protocol):
    """A compiled pattern: what ``matches`` calls."""

    @property
    def pattern(self) -> str:
        """The pattern as written."""
        ...

    def search(self, text: str) -> object | None:
        """The first match in ``text``, or ``None``."""
        ...


@cache
def _options() -> re2.Options:
    # RE2 is imported by the first pattern compiled: a check whose policies match no text imports none.
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern on stderr
    options.max_mem = MAX_PROGRAM_BYTES
    return options



@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """Compile ``pattern`` with RE2; :class:`RegexError` says why it cannot be."""
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"the pattern is longer than {MAX_PATTERN} characters")
    import re2

    try:
        compiled: Pattern = re2.compile(pattern, _options())
    except re2.error as exc:
        for marker, what in _UNSUPPORTED:
            if marker in pattern:
                raise RegexError(f"{what} (`{marker}…`) is not supported: patterns are RE2, which runs in linear "
                                 "time") from None
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        if re.search(_BACKREFERENCE, text):
            text = "backreferences are not supported: " + text
        raise RegexError(text) from None
    return compiled
