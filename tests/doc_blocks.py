"""The ```wave blocks of Markdown files, their markers, and what `wavec` reports on them.

The convention (docs/authoring.md, "Examples in the docs", says the same for writers):

* A ```wave block is a whole `.wave` file unless the line right before its fence is a marker,
  an HTML comment ``<!-- wave: … -->`` (invisible when the Markdown is rendered).
* ``<!-- wave: fragment -->``: the block is the body of a pipeline. It is checked inside a minimal
  one (:data:`PIPELINE`), which adds a source, an unnamed deploy profile and a wave unless the
  block has its own; leading ``import`` and ``let`` lines stay at the top of the file.
  ``<!-- wave: fragment stage -->`` and ``<!-- wave: fragment wave -->`` put the block in the body of
  a stage or of a wave of that pipeline instead.
* ``<!-- wave: expect WV104 WV108 -->``: the block shows a mistake on purpose; exactly those codes
  (built-in and policy codes, errors and warnings) are reported. Markers combine:
  ``<!-- wave: fragment, expect WV104 -->``.
* Without ``expect``, a block reports no error of the language (no ``WV…`` error); warnings and the
  findings of a policy the block enforces are allowed.

"Reported" means what `wavec check` reports, and, when that finds no error, what `wavec plan` (the
rollout analyses, WV25x) and `wavec build --target local` (WV95x) add.

docs/rules.md is generated (wavec/docgen/rules.py) with the same markers, from the ``context`` of
each code; its prose stand-ins for input that cannot be shown (``(a 20 MiB file)``) are ```text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wavec import check
from wavec.analysis.plan import make_plan
from wavec.config import Config
from wavec.dag.build import build as build_graph
from wavec.diagnostics import Diagnostic, Severity, Sink
from wavec.targets import get_target
from wavec.targets.base import BuildOptions

FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[a-z]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)
MARKER = re.compile(r"^[ \t]*<!--\s*wave:\s*(?P<spec>.*?)\s*-->[ \t]*$")
CONTEXTS = ("file", "pipeline", "stage", "wave")
START = datetime(2024, 3, 8, 15, 0, tzinfo=UTC)  # a Friday afternoon: plans are reproducible

PIPELINE = """\
pipeline example {{
  role      = "arn:aws:iam::111122223333:role/example"
  artifacts = "example-artifacts-${{region}}"
{source}{deploy}{body}{wave}}}
"""
SOURCE = '  source s3 { bucket = "example-source"  key = "example.zip" }\n'
DEPLOY = '  deploy { local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" } }\n'
WAVE = '  wave example_wave { regions = ["us-east-1"] }\n'


@dataclass(frozen=True)
class Block:
    """One ```wave block: where it is, its text (indentation removed) and its marker."""

    doc: str
    line: int
    code: str
    context: str = "file"
    expect: frozenset[str] | None = None
    lang: str = "wave"

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def parse_marker(spec: str) -> tuple[str, frozenset[str] | None]:
    """``"fragment stage, expect WV104"`` → ``("stage", {"WV104"})``."""
    context, expect = "file", None
    for part in filter(None, (p.strip() for p in spec.split(","))):
        word, *rest = part.split()
        if word == "fragment":
            context = rest[0] if rest else "pipeline"
            assert context in CONTEXTS[1:] and len(rest) <= 1, f"unknown fragment context: {part!r}"
        elif word == "expect":
            assert rest, "`expect` needs at least one code"
            expect = frozenset(rest)
        else:
            raise AssertionError(f"unknown wave marker: {part!r}")
    return context, expect


def blocks(path: Path, name: str | None = None, langs: tuple[str, ...] = ("wave",)) -> list[Block]:
    """Every ```wave block (or block of ``langs``) of the Markdown file, with the marker before its fence."""
    return blocks_of(path.read_text(encoding="utf-8"), name or path.name, langs)


def blocks_of(text: str, name: str, langs: tuple[str, ...] = ("wave",)) -> list[Block]:
    """The blocks of ``text``, a Markdown file called ``name``."""
    lines = text.splitlines()
    out = []
    for m in FENCE.finditer(text):
        if m.group("lang") not in langs:
            continue
        line = text.count("\n", 0, m.start()) + 1
        context, expect = "file", None
        if line >= 2 and (marker := MARKER.match(lines[line - 2])):
            context, expect = parse_marker(marker.group("spec"))
        indent = m.group("indent")
        body = "".join(row.removeprefix(indent) for row in m.group("body").splitlines(keepends=True))
        out.append(Block(name, line, body, context, expect, m.group("lang")))
    return out


def wrap(code: str, context: str) -> str:
    """The whole file a block of ``context`` is checked as."""
    if context == "file":
        return code
    rows = code.splitlines(keepends=True)
    top = 0
    while top < len(rows) and (rows[top].startswith(("import ", "let ")) or not rows[top].strip()):
        top += 1
    head, body = "".join(rows[:top]), "".join(rows[top:])
    if body and not body.endswith("\n"):
        body += "\n"
    inner = "".join("  " + row if row.strip() else row for row in body.splitlines(keepends=True))
    if context == "stage":
        inner = "  stage example_stage {\n" + "".join("  " + r for r in inner.splitlines(keepends=True)) + "  }\n"
    elif context == "wave":
        return head + PIPELINE.format(
            source=SOURCE, deploy=DEPLOY, wave="",
            body="  wave example_wave {\n" + "".join("  " + r for r in inner.splitlines(keepends=True)) + "  }\n")
    has = {kind: re.search(pattern, body, re.M) is not None for kind, pattern in
           (("source", r"^source\b"), ("deploy", r"^deploy\s*\{"), ("wave", r"^wave\b"))}
    return head + PIPELINE.format(source="" if has["source"] else SOURCE, deploy="" if has["deploy"] else DEPLOY,
                                  body=inner, wave="" if has["wave"] else WAVE)


def reported(code: str, context: str, tmp_path: Path) -> list[Diagnostic]:
    """What `wavec check`, and when it finds no error `wavec plan` and the local target, report on the block."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "example.wave"
    path.write_text(wrap(code, context), encoding="utf-8")
    result = check([path], Config())
    found = list(result.diagnostics)
    if result.errors:
        return found
    for module in result.modules:
        for pipeline in module.pipelines:
            sink = Sink()
            make_plan(pipeline, START, sink, module)
            get_target("local").compile(pipeline, build_graph(pipeline), BuildOptions(None), sink)
            found += sink.sorted()
    return found


def language_errors(found: list[Diagnostic]) -> list[Diagnostic]:
    """The errors of the language itself (``WV…``), not a policy's findings."""
    return [d for d in found if d.severity is Severity.ERROR and d.code.startswith("WV")]


def describe(found: list[Diagnostic]) -> str:
    return "; ".join(f"{d.code} {d.message}" for d in found) or "nothing"
