"""The safe regular-expression subset of ``matches``: bounded work whatever the pattern.

Patterns are Python ``re`` syntax, accepted only when their worst-case
backtracking is bounded:

* at most :data:`MAX_PATTERN` characters;
* no backreferences (``\\1``, ``(?P=name)``), lookaround (``(?=`` ``(?!`` ``(?<=``
  ``(?<!``), conditionals or atomic groups;
* no nested repetition (``(a+)+``, ``(ab*)*``): the classic exponential case;
* a bounded *cost*: the product, over every repetition, of how many counts
  it can take (``*``/``+``/``{n,}`` count as :data:`MAX_SUBJECT`), and over every
  group of its alternatives, at most :data:`MAX_COST`. In practice: one
  unbounded repetition per pattern; bound the others (``\\s{0,3}`` rather than ``\\s*``).

``matches`` searches at most the first :data:`MAX_SUBJECT` characters of its
string, so one call does at most about ``MAX_SUBJECT × MAX_COST`` steps.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_PATTERN = 256
MAX_SUBJECT = 4096
MAX_COST = 1_000_000

_QUANT = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}")
_FLAGS = re.compile(r"\(\?[aiLmsux]+(\)|:)")


class RegexError(ValueError):
    """A pattern outside the safe subset, or not a valid regular expression."""


class _Group:
    __slots__ = ("branches", "has_quant")

    def __init__(self) -> None:
        self.has_quant = False
        self.branches = 1


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Check ``pattern`` against the safe subset and compile it; :class:`RegexError` says why not."""
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"the pattern is longer than {MAX_PATTERN} characters")
    cost = 1
    stack = [_Group()]
    last_was_group: _Group | None = None  # the group just closed, if the previous atom was one
    atom = False
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1: i + 2]
            if nxt.isdigit() and nxt != "0":
                raise RegexError(f"backreference `\\{nxt}` is not allowed")
            if nxt == "g":
                raise RegexError("backreference `\\g<…>` is not allowed")
            i += 2
            atom, last_was_group = True, None
            continue
        if ch == "[":
            j = i + 1
            if pattern[j: j + 1] == "^":
                j += 1
            if pattern[j: j + 1] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            atom, last_was_group = True, None
            continue
        if ch == "(":
            rest = pattern[i:]
            flags = _FLAGS.match(rest)
            if flags is not None and flags.group(1) == ")":  # (?i): a global flag, not a group
                i += flags.end()
                continue
            if rest.startswith("(?") and not (rest.startswith(("(?:", "(?P<")) or flags is not None):
                kind = {"(?=": "lookahead", "(?!": "lookahead", "(?<=": "lookbehind", "(?<!": "lookbehind",
                        "(?P=": "backreference", "(?(": "conditional", "(?>": "atomic group"}
                what = next((v for k, v in kind.items() if rest.startswith(k)), "this group form")
                raise RegexError(f"{what} is not allowed")
            stack.append(_Group())
            if flags is not None:
                i += flags.end()
            elif rest.startswith("(?P<"):
                close = pattern.find(">", i)
                if close == -1:
                    raise RegexError("unterminated group name")
                i = close + 1
            else:
                i += 3 if rest.startswith("(?:") else 1
            atom, last_was_group = False, None
            continue
        if ch == ")":
            if len(stack) == 1:
                raise RegexError("unbalanced `)`")
            group = stack.pop()
            cost *= group.branches
            if group.has_quant:
                stack[-1].has_quant = True
            last_was_group, atom = group, True
            i += 1
            continue
        if ch == "|":
            stack[-1].branches += 1
            atom, last_was_group = False, None
            i += 1
            continue
        quant = _QUANT.match(pattern, i)
        if quant is not None and (ch != "{" or quant.group(1)):
            if not atom:
                raise RegexError(f"nothing to repeat at position {i}")
            if last_was_group is not None and last_was_group.has_quant:
                raise RegexError("nested repetition such as `(a+)+` is not allowed")
            text = quant.group(0)
            if text == "?":
                weight = 2
            elif text in ("*", "+") or (quant.group(2) and not quant.group(3)):
                weight = MAX_SUBJECT + 1
            else:
                weight = int(quant.group(3) or quant.group(1)) + 1
            cost *= weight
            if cost > MAX_COST:
                raise RegexError("the pattern may backtrack too much: use at most one unbounded repetition "
                                 "(`*`, `+`, `{n,}`) and bound the others (`{0,3}`)")
            stack[-1].has_quant = True
            i = quant.end()
            if pattern[i: i + 1] in ("?", "+"):
                i += 1
            atom, last_was_group = False, None
            continue
        atom, last_was_group = True, None
        i += 1
    if len(stack) != 1:
        raise RegexError("unbalanced `(`")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RegexError(str(exc)) from None
