"""The compile-time operators outside policies: `+ - * /` on lists, strings, durations and numbers."""

from __future__ import annotations

from typing import Any

from ..lang.values import Duration, Template
from .symbols import ERR, Symbol


def apply(op: str, a: Any, b: Any) -> Any:
    num = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return ERR
    if op == "+":
        if isinstance(a, tuple) and isinstance(b, tuple):
            return a + b
        if isinstance(a, Template) and isinstance(b, Template):
            return Template(a.parts + b.parts, a.span)
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(a.seconds + b.seconds)
        if isinstance(a, num) and isinstance(b, num):
            return a + b
    if op == "-":
        if isinstance(a, tuple) and isinstance(b, tuple):
            drop = {key(x) for x in b}
            return tuple(x for x in a if key(x) not in drop)
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(a.seconds - b.seconds)
        if isinstance(a, num) and isinstance(b, num):
            return a - b
    if op == "*":
        if isinstance(a, Duration) and isinstance(b, num):
            return Duration(round(a.seconds * b))
        if isinstance(b, Duration) and isinstance(a, num):
            return Duration(round(b.seconds * a))
        if isinstance(a, num) and isinstance(b, num):
            return a * b
    if op == "/" and isinstance(a, num) and isinstance(b, num) and b != 0:
        return a / b
    if op == "/" and isinstance(a, Duration) and isinstance(b, num) and b != 0:
        return Duration(round(a.seconds / b))
    return ERR


def key(v: Any) -> Any:
    if isinstance(v, Template):
        return ("s", v.text)
    if isinstance(v, Symbol):
        return ("sym", v.kind, v.name)
    return ("v", repr(v))
