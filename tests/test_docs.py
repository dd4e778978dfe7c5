"""The documentation generated from the schema is fresh, and what the docs promise works."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavec import check
from wavec.config import Config
from wavec.diagnostics import Severity
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


def _wave_blocks() -> list[tuple[str, int, str]]:
    import re

    found = []
    for md in sorted((ROOT / "docs").glob("*.md")):
        if md.name == "rules.md":  # generated from the code registry; its examples show mistakes on purpose
            continue
        text = md.read_text(encoding="utf-8")
        for m in re.finditer(r"^```wave\n(.*?)^```", text, re.S | re.M):
            found.append((md.name, text[: m.start()].count("\n") + 1, m.group(1)))
    return found


@pytest.mark.parametrize(("doc", "line", "code"), _wave_blocks(), ids=lambda v: str(v)[:40])
def test_every_wave_block_of_the_docs_checks_clean(doc: str, line: int, code: str, tmp_path: Path) -> None:
    # What the docs show must be what the compiler accepts: no error of the language itself (a policy the
    # example imports may still find something — that is what some examples show).
    path = tmp_path / "example.wave"
    path.write_text(code, encoding="utf-8")
    errors = [d for d in check([path], Config()).diagnostics
              if d.severity is Severity.ERROR and d.code.startswith("WV")]
    assert not errors, f"docs/{doc}:{line}: " + "; ".join(f"{d.code} {d.message}" for d in errors)
