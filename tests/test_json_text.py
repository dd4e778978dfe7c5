"""`wavec.plan_format.json_text` writes exactly the bytes of `json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`.

The plan report and the local plan are written by it (faster, and in pieces for a large plan); any
difference from the standard library would change every plan file, so it is held to it byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wavec.plan_format import json_text

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
values: st.SearchStrategy[Any] = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5)
    | st.tuples(inner, inner) | st.lists(st.text(), max_size=4), max_leaves=40)


def _std(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@given(values)
def test_the_text_is_the_standard_librarys(value: Any) -> None:
    assert json_text.dumps(value) == _std(value)
    pieces: list[str] = []
    json_text.dump(value, pieces.append)
    assert "".join(pieces) == _std(value)


@given(st.dictionaries(keys, scalars, max_size=6).filter(lambda d: len({type(k) for k in d} - {bool, int}) <= 1))
def test_keys_that_are_not_strings_are_written_as_the_standard_library_writes_them(value: dict[Any, Any]) -> None:
    try:
        expected = _std(value)
    except TypeError:  # keys of types that do not sort together
        return
    assert json_text.dumps(value) == expected


def test_a_lazy_array_is_made_while_it_is_written_and_reads_back_as_a_list() -> None:
    made: list[int] = []

    def items() -> Any:
        for i in range(3):
            made.append(i)
            yield {"n": i, "names": ["a", "é"]}

    pieces: list[str] = []
    json_text.dump({"nodes": json_text.Lazy(items), "empty": json_text.Lazy(list)}, pieces.append)
    assert made == [0, 1, 2]
    expected = {"nodes": [{"n": i, "names": ["a", "é"]} for i in range(3)], "empty": []}
    assert "".join(pieces) == _std(expected)


def test_a_large_document_is_written_in_many_pieces() -> None:
    pieces: list[str] = []
    doc = {"nodes": [{"id": f"n{i}", "deps": [i, i + 1]} for i in range(20000)]}
    json_text.dump(doc, pieces.append)
    assert len(pieces) > 5 and "".join(pieces) == _std(doc)
