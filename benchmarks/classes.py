"""What a node class costs: to create on import, and to construct, compare and hash an instance.

``python -m benchmarks.classes`` times, in this process, the ways of declaring one typical class (four fields,
one with a default, a docstring and a property) that issue #18 weighed: ``@dataclass(frozen=True,
slots=True)`` (what the syntax tree and the IR were), a frozen dataclass without slots, a ``NamedTuple``, a
plain class with ``__slots__`` and an ``__init__`` written by hand, and :func:`wavec.records.record` (what they
are now). Creating is timed from the class statement's compiled code, as a module's ``.pyc`` holds it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

HEAD = "from __future__ import annotations\n"

STYLES: dict[str, str] = {
    "dataclass(frozen, slots)": """
@dataclass(frozen=True, slots=True)
class Node{i}:
    \"\"\"A node.\"\"\"

    name: str
    value: int
    span: object
    items: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.items)
""",
    "dataclass(frozen)": """
@dataclass(frozen=True)
class Node{i}:
    \"\"\"A node.\"\"\"

    name: str
    value: int
    span: object
    items: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.items)
""",
    "NamedTuple": """
class Node{i}(NamedTuple):
    \"\"\"A node.\"\"\"

    name: str
    value: int
    span: object
    items: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.items)
""",
    "plain __slots__, hand-written __init__": """
class Node{i}:
    \"\"\"A node.\"\"\"

    __slots__ = ("name", "value", "span", "items")

    def __init__(self, name: str, value: int, span: object, items: tuple[int, ...] = ()) -> None:
        self.name = name
        self.value = value
        self.span = span
        self.items = items

    @property
    def size(self) -> int:
        return len(self.items)
""",
    "record (wavec.records)": """
@record
class Node{i}:
    \"\"\"A node.\"\"\"

    name: str
    value: int
    span: object
    items: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.items)
""",
}


def _namespace() -> dict[str, Any]:
    from dataclasses import dataclass
    from typing import NamedTuple

    from wavec.records import record

    return {"dataclass": dataclass, "NamedTuple": NamedTuple, "record": record}


def _best_per_call(fn: Callable[[], object], calls: int, repeat: int) -> float:
    """Seconds per call: the best of ``repeat`` timings of ``calls`` calls (the least disturbed)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t) / calls)
    return min(times)


def measure(classes: int = 200, instances: int = 20000, repeat: int = 7) -> list[tuple[str, float, float, float]]:
    """(style, ms to create a class, µs to construct an instance, µs to compare two and hash one) per style."""
    out = []
    for style, template in STYLES.items():
        codes = [compile(HEAD + template.format(i=i), "<bench>", "exec") for i in range(classes * repeat)]
        namespace = _namespace()
        timings = []
        for r in range(repeat):
            t = time.perf_counter()
            for code in codes[r * classes:(r + 1) * classes]:
                exec(code, namespace)
            timings.append((time.perf_counter() - t) / classes)
        create = min(timings)
        cls = namespace["Node0"]
        span = object()
        construct = _best_per_call(lambda cls=cls, span=span: cls("a", 1, span, ()), instances, repeat)
        a, b = cls("a", 1, span, (1,)), cls("a", 1, span, (1,))
        compare_hash = _best_per_call(lambda a=a, b=b: a == b and hash(a), instances, repeat)
        out.append((style, create * 1e3, construct * 1e6, compare_hash * 1e6))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the table (Markdown)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classes", description=__doc__)
    parser.add_argument("--classes", type=int, default=200, help="classes created per timing (default 200)")
    args = parser.parse_args(argv)
    print("| declared as | create a class, ms | construct, µs | compare + hash, µs |")
    print("|---|---:|---:|---:|")
    for style, create, construct, compare in measure(args.classes):
        print(f"| {style} | {create:.3f} | {construct:.3f} | {compare:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
