"""Front-end bugs the fuzzers found, pinned as exact reproducers.

They live in compiler/ (not this suite's files), so each is ``xfail(strict=True)`` with the reason:
the day the front end is fixed the test passes, the strict xfail fails, and the marker goes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import check_source


@pytest.mark.xfail(strict=True, reason="WV120 pastes the raw cron value into the message: a newline in the "
                                       "value breaks the one-line message (compiler/semantics, not fixed here)")
def test_cron_message_stays_on_one_line(project: Path) -> None:
    outcome = check_source(project, 'pipeline p { window w { cron = "\\n" } }\n', name="cron_newline.wave")
    codes = [d.code for d in outcome.diagnostics]
    assert "WV120" in codes
    assert all("\n" not in d.message for d in outcome.diagnostics), [d.message for d in outcome.diagnostics]
