"""Running the front end on fuzzed text the way a user would, and asserting only diagnostics come back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from wavec import check
from wavec.config import Config
from wavec.diagnostics import Diagnostic
from wavec.diagnostics.render import FORMATS, render

from .strategies import LIB_MODULE

CODE = re.compile(r"[A-Z]{2,3}[0-9]{3}\Z")


def make_project(folder: Path) -> Path:
    """A project root with the local module the fuzzed files import; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wave.toml").write_text("", encoding="utf-8")
    (folder / "lib.wave").write_text(LIB_MODULE, encoding="utf-8")
    return folder


@dataclass(frozen=True)
class Outcome:
    """The diagnostics of one check and their rendering in every format."""

    diagnostics: list[Diagnostic]
    rendered: dict[str, str]


def check_source(project: Path, data: str | bytes, name: str = "fuzz.wave") -> Outcome:
    """Write ``data`` into the project, check it with ``wavec.check`` and render the result in every format.

    Any exception escaping here is a front-end bug (a traceback instead of a diagnostic).
    """
    path = project / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    result = check([path], Config())
    rendered = {fmt: render(result.diagnostics, fmt) for fmt in FORMATS}
    return Outcome(result.diagnostics, rendered)


def assert_well_formed(outcome: Outcome) -> None:
    """Every diagnostic has a code, a message and spans inside its file; every format parses.

    (That messages are one line is not asserted here: see ``test_fuzz_findings.py``.)
    """
    for d in outcome.diagnostics:
        assert CODE.match(d.code), d
        assert d.message.strip(), d
        for label in d.labels:
            span = label.span
            assert 0 <= span.start <= span.end <= len(span.file.text), (d, span.start, span.end)
    json.loads(outcome.rendered["json"])
    sarif = json.loads(outcome.rendered["sarif"])
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == len(outcome.diagnostics)
