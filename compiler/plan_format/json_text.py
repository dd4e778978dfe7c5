"""JSON text byte for byte as ``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`` writes it,
faster, and written in pieces so a large document is never held whole.

The standard library's encoder drops to pure Python whenever ``indent`` is set (its C encoder has no
indentation); this is that algorithm specialised to the one set of options wavec writes, with lists of
scalars joined by C (``str.join`` over ``encode_basestring``) and without the generator per level. A
:class:`Lazy` value is a list produced while it is written, so a document's largest parts need not exist
as dictionaries all at once (``wavec build --target local``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from json.encoder import encode_basestring  # the C version when the interpreter has it
from typing import Any

_FLUSH = 1 << 14
"""Pieces gathered before one write (about a few hundred KiB of text)."""


class Lazy:
    """A JSON array whose items are made as it is written (each time it is iterated)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[Any]:
        return iter(self._make())


def _float(x: float) -> str:
    if x != x:
        return "NaN"
    if x == float("inf"):
        return "Infinity"
    if x == -float("inf"):
        return "-Infinity"
    return float.__repr__(x)


def _key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return int.__repr__(k)
    if isinstance(k, float):
        return _float(k)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def _scalar(o: Any) -> str | None:
    """The text of a scalar, or ``None`` for a container."""
    t = type(o)
    if t is str:
        return encode_basestring(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return int.__repr__(o)
    if t is float:
        return _float(o)
    if isinstance(o, str):
        return encode_basestring(o)
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float(o)
    return None


class _Writer:
    def __init__(self, write: Callable[[str], object] | None) -> None:
        self.parts: list[str] = []
        self.write = write

    def value(self, o: Any, level: int) -> None:
        parts = self.parts
        text = _scalar(o)
        if text is not None:
            parts.append(text)
        elif isinstance(o, dict):
            self.mapping(o, level)
        elif isinstance(o, list | tuple | Lazy):
            self.array(o, level)
        else:
            raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
        if self.write is not None and len(parts) > _FLUSH:
            self.write("".join(parts))
            parts.clear()

    def array(self, items: Iterable[Any], level: int) -> None:
        parts = self.parts
        inner = "\n" + "  " * (level + 1)
        if isinstance(items, list | tuple) and all(type(x) is str for x in items):
            if not items:
                parts.append("[]")
            else:
                parts.append("[" + inner + ("," + inner).join(map(encode_basestring, items))
                             + "\n" + "  " * level + "]")
            return
        first = True
        for item in items:
            parts.append(("[" if first else ",") + inner)
            first = False
            self.value(item, level + 1)
        parts.append("[]" if first else "\n" + "  " * level + "]")

    def mapping(self, d: dict[Any, Any], level: int) -> None:
        parts = self.parts
        if not d:
            parts.append("{}")
            return
        inner = "\n" + "  " * (level + 1)
        first = True
        for k, v in sorted(d.items()):
            parts.append(("{" if first else ",") + inner + encode_basestring(_key(k)) + ": ")
            first = False
            self.value(v, level + 1)
        parts.append("\n" + "  " * level + "}")


def dumps(value: Any) -> str:
    """The text, as ``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)``."""
    w = _Writer(None)
    w.value(value, 0)
    return "".join(w.parts)


def dump(value: Any, write: Callable[[str], object]) -> None:
    """Write the text of ``value`` through ``write`` in pieces (the same text as :func:`dumps`)."""
    w = _Writer(write)
    w.value(value, 0)
    if w.parts:
        write("".join(w.parts))
