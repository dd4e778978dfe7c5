"""``@record``: what code relies on from the classes it makes (as from the dataclasses they replaced)."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from wavec.records import FrozenInstanceError, asdict, field, fields, is_record, record, replace
from wavec.semantics import ir
from wavec.source import SourceFile, Span


@record
class Point:
    """A point."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False, repr=False)
    label: str = field(default="", kw_only=True)
    unit: ClassVar[str] = "px"

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@record(order=True)
class Version:
    major: int
    minor: int


@record(frozen=False)
class Counter:
    name: str
    count: int = 0

    def __post_init__(self) -> None:
        self.count += 1


def test_constructs_with_defaults_keywords_and_factories() -> None:
    p = Point(1, label="a")
    assert (p.x, p.y, p.tags, p.notes, p.label, p.norm, Point.unit) == (1, 0, (), [], "a", 1, "px")
    assert Point(1).notes is not Point(1).notes  # a new list each time
    assert Point(y=2, x=3).norm == 5
    with pytest.raises(TypeError, match="'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, (), [], "b")  # type: ignore[misc]  # label is keyword-only


def test_equality_hash_and_repr_are_the_fields() -> None:
    a, b = Point(1, 2, ("t",), ["n"]), Point(1, 2, ("t",), ["other"])
    assert a == b and hash(a) == hash(b) == hash((1, 2, ("t",), ""))  # notes: compare=False
    assert a != Point(1, 3) and a != (1, 2, ("t",), "")
    assert {a: 1}[b] == 1
    assert repr(a) == "Point(x=1, y=2, tags=('t',), label='')"
    assert Point.__match_args__ == ("x", "y", "tags", "notes")


def test_frozen_refuses_assignment_and_has_no_dict() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.x  # type: ignore[misc]
    assert not hasattr(p, "__dict__")


def test_order_copy_pickle_replace_and_fields() -> None:
    assert sorted([Version(1, 2), Version(0, 9), Version(1, 0)]) == [Version(0, 9), Version(1, 0), Version(1, 2)]
    assert Version(1, 0) < Version(1, 1) <= Version(1, 1) and Version(2, 0) > Version(1, 9) >= Version(1, 9)
    p = Point(1, 2, label="a")
    assert copy.copy(p) == p and copy.deepcopy(p) == p and pickle.loads(pickle.dumps(p)) == p
    assert replace(p, y=5) == Point(1, 5, label="a")
    assert [f.name for f in fields(Point)] == ["x", "y", "tags", "notes", "label"]
    assert is_record(p) and is_record(Point) and not is_record(1)
    assert asdict(Version(1, 2)) == {"major": 1, "minor": 2}


def test_mutable_records_and_post_init() -> None:
    c = Counter("a")
    assert c.count == 1
    c.count = 5
    assert c == Counter("a", 4)
    with pytest.raises(TypeError):
        hash(c)


def test_identity_records_keep_identity() -> None:
    # A source file compares by identity (two files of the same text are different files); a span by value.
    f, g = SourceFile("a.wave", "x", "a.wave"), SourceFile("a.wave", "x", "a.wave")
    assert f != g and f == f and {f: 1}[f] == 1
    assert Span(f, 0, 1) == Span(f, 0, 1) != Span(g, 0, 1)
    assert hash(Span(f, 0, 1)) == hash((f, 0, 1))


def test_ir_keeps_its_fields() -> None:
    span = Span(SourceFile("a.wave", "", "a.wave"), 0, 0)
    allow = ir.Allow("WV101", "why", span)
    assert replace(allow, reason="other").reason == "other" and allow.reason == "why"
    with pytest.raises(FrozenInstanceError):
        allow.code = "WV102"  # type: ignore[misc]
