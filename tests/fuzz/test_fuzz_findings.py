"""Front-end bugs the fuzzers found, pinned as exact reproducers.

Each was a bug in compiler/; the test stays as a regression test once the bug is fixed.
"""

from __future__ import annotations

from pathlib import Path

from .harness import check_source


def test_cron_message_stays_on_one_line(project: Path) -> None:
    outcome = check_source(project, 'pipeline p { window w { cron = "\\n" } }\n', name="cron_newline.wave")
    codes = [d.code for d in outcome.diagnostics]
    assert "WV120" in codes
    assert all("\n" not in d.message for d in outcome.diagnostics), [d.message for d in outcome.diagnostics]
