"""The documentation generated from the schema is fresh, and what the docs promise works."""

from __future__ import annotations

from pathlib import Path

from wavec import check
from wavec.config import Config
from wavec.docgen.language import refresh

from conftest import ROOT


def test_language_reference_schema_section_is_fresh() -> None:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert refresh(text) == text, "run `python -m wavec.docgen.language --write` and commit docs/language.md"


def test_let_may_hold_enum_members_checked_where_used(tmp_path: Path) -> None:
    # docs/language.md §4 promises this.
    path = tmp_path / "w.wave"
    path.write_text(
        "let workdays = [mon, tue, wed, thu, fri]\n"
        "let bad = [mon, funday]\n"
        "window office { days = workdays  hours = [09:00, 17:00] }\n"
        "window broken { days = bad  hours = [09:00, 17:00] }\n",
        encoding="utf-8",
    )
    result = check([path], Config())
    assert [(d.code, d.primary.line if d.primary else 0) for d in result.diagnostics] == [("WV108", 2)]
    (module,) = result.modules
    assert module.windows[0].days == ("mon", "tue", "wed", "thu", "fri")
