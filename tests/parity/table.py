"""Print the parity table: ``python tests/parity/table.py`` runs every cell and marks it ✓, ✗ or xfail.

✓: both targets gave the same normalised trace; xfail: they differ as the cell's reason says (the test
expects that, strictly); ✗: they differ and nobody said why — the parity test fails on it. A cell marked
xfail whose traces agree is shown as "XPASS" (the test fails on that too: remove its xfail).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness import CELLS, Cell, run_cell


def verdict(cell: Cell) -> str:
    """The cell's mark, run in a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        local, emulated = run_cell(cell, Path(tmp))
    same = not local.differences(emulated)
    if cell.xfail:
        return "XPASS" if same else "xfail"
    return "✓" if same else "✗"


def render(marks: dict[Cell, str]) -> str:
    """The scenario × example table of ``marks`` (a cell not in the table is blank)."""
    examples = list(dict.fromkeys(Path(c.example).stem for c in CELLS))
    scenarios = list(dict.fromkeys(c.scenario for c in CELLS))
    by_place = {(c.scenario, Path(c.example).stem): mark for c, mark in marks.items()}
    width = max(len(s) for s in scenarios)
    lines = [" " * width + " | " + " | ".join(f"{e:^7}" for e in examples)]
    for scenario in scenarios:
        cells = (by_place.get((scenario, e), "") for e in examples)
        lines.append(f"{scenario:<{width}} | " + " | ".join(f"{m:^7}" for m in cells))
    return "\n".join(lines)


def main() -> None:
    """Run the cells and print scenario × example."""
    print(render({c: verdict(c) for c in CELLS}))


if __name__ == "__main__":
    main()
