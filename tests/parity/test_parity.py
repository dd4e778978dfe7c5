"""Parity: the local runner and the CodePipeline emulator tell the same story for the same scenario.

Each cell of ``harness.CELLS`` runs both targets and compares the normalised traces (``normalise.py``:
deploy order, bake ends and gate outcomes in bake minutes, rollback order, sandboxes, status and exit code).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import CELLS, Cell, run_cell

pytestmark = pytest.mark.slow


def _param(cell: Cell) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=cell.xfail)] if cell.xfail else []
    return pytest.param(cell, id=cell.id, marks=marks)


@pytest.mark.parametrize("cell", [_param(c) for c in CELLS])
def test_both_targets_tell_the_same_story(cell: Cell, tmp_path: Path) -> None:
    local, emulated = run_cell(cell, tmp_path)
    assert local.differences(emulated) == []


def test_the_table_has_a_row_per_scenario_and_a_column_per_example() -> None:
    from table import render

    text = render({c: "xfail" if c.xfail else "✓" for c in CELLS})
    header, *rows = text.splitlines()
    assert [h.strip() for h in header.split("|")[1:]] == ["minimal", "waves", "sandbox", "check", "gated", "prometheus"]
    assert len(rows) == len({c.scenario for c in CELLS})
    healthy = next(r for r in rows if r.startswith("healthy "))
    assert [m.strip() for m in healthy.split("|")[1:]] == ["✓", "✓", "✓", "", "✓", ""]
    halt = next(r for r in rows if r.startswith("breach-middle-halt"))
    assert [m.strip() for m in halt.split("|")[1:]] == ["", "✓", "", "", "", ""]
