"""The documentation generated from the schema is fresh, and what the docs promise works.

Every ```wave block of the hand-written docs (docs/*.md except rules.md, and README.md) is checked, and so
are the Example and Use instead blocks of docs/rules.md. A block is a whole `.wave` file unless the line
before its fence is a marker (the convention is tests/doc_blocks.py's; docs/authoring.md explains it):

* ``<!-- wave: fragment -->`` — the body of a pipeline, checked inside a minimal one (a source, a local
  deploy profile and a wave are added when the block has none); ``<!-- wave: fragment stage -->`` and
  ``<!-- wave: fragment wave -->`` — the body of a stage or of a wave of that pipeline;
* ``<!-- wave: expect WV104 -->`` — a mistake shown on purpose: exactly those codes are reported
  (``<!-- wave: fragment, expect WV104 -->`` combines both).

Without ``expect`` a block reports no error of the language (a policy it enforces may still find
something). In docs/rules.md, a code's Example reports that code and no other built-in one, and its Use
instead reports no built-in code at all; input that cannot be shown is described in parentheses, as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wavec import check
from wavec.config import Config, load_config
from wavec.docgen.language import refresh

from conftest import ROOT, cli
from doc_blocks import Block, blocks, blocks_of, describe, language_errors, reported, wrap


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


HAND_WRITTEN = [*sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "rules.md"), ROOT / "README.md"]


def _wave_blocks() -> list[Block]:
    return [b for md in HAND_WRITTEN for b in blocks(md, md.relative_to(ROOT).as_posix())]


def test_the_docs_have_wave_blocks() -> None:
    found = {b.doc for b in _wave_blocks()}
    assert {"docs/language.md", "docs/policies.md", "docs/authoring.md", "README.md"} <= found


def test_the_block_markers(tmp_path: Path) -> None:
    text = ("```wave\nlet a = 1\n```\n\n<!-- wave: fragment stage -->\n```wave\nstep s { run = \"make\" }\n```\n\n"
            "  <!-- wave: fragment, expect WV104 -->\n  ```wave\n  wave w { regions = \"us-east-1\" }\n  ```\n")
    whole, stage, mistake = blocks_of(text, "t.md")
    assert (whole.context, whole.expect, whole.line) == ("file", None, 1)
    assert (stage.context, stage.expect) == ("stage", None)
    assert (mistake.context, mistake.expect) == ("pipeline", {"WV104"})
    assert mistake.code == 'wave w { regions = "us-east-1" }\n'  # the indentation of the list item is removed
    assert not reported(stage.code, stage.context, tmp_path / "stage")
    assert {d.code for d in reported(mistake.code, mistake.context, tmp_path / "mistake")} == {"WV104"}
    with pytest.raises(AssertionError, match="unknown wave marker"):
        blocks_of("<!-- wave: expected WV104 -->\n```wave\n```\n", "t.md")


@pytest.mark.parametrize("block", _wave_blocks(), ids=str)
def test_every_wave_block_of_the_docs_checks_clean(block: Block, tmp_path: Path) -> None:
    # What the docs show must be what the compiler accepts: no error of the language itself (a policy the
    # example imports may still find something — that is what some examples show), or exactly the codes
    # its `expect` marker names.
    found = reported(block.code, block.context, tmp_path)
    if block.expect is not None:
        assert {d.code for d in found} == block.expect, f"{block}: {describe(found)}"
    else:
        assert not language_errors(found), f"{block}: {describe(language_errors(found))}"


# One cron evaluator serves `wavec plan` and `wavec run`: a window one cannot evaluate, neither can the other.
# A step that runs a CodeBuild project is one `wavec run` cannot run (WV951): the project-only CodePipeline
# warnings about such a step come with it.
REPORTED_TOGETHER = {"WV253": {"WV952"}, "WV952": {"WV253"}, "WV933": {"WV951"}, "WV934": {"WV951"},
                     "WV935": {"WV951"}}


def _rule_examples() -> list[tuple[str, Block | None, Block | None]]:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    out = []
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        code = section.split("\n", 1)[0].strip()
        if not code.startswith("WV"):
            continue
        parts = {}
        for heading in ("**Example**", "**Use instead**"):
            after = section[section.index(heading):]
            (first, *_) = blocks_of(after, f"docs/rules.md {code} {heading.strip('*')}", ("wave", "text", "toml"))
            parts[heading] = first
        out.append((code, parts["**Example**"], parts["**Use instead**"]))
    return out


def _reported_codes(block: Block, tmp_path: Path) -> set[str]:
    if block.lang == "toml":  # a configuration (a pyproject.toml's table), checked on a minimal pipeline
        tmp_path.mkdir(parents=True)
        (tmp_path / "pyproject.toml").write_text(block.code, encoding="utf-8")
        path = tmp_path / "example.wave"
        path.write_text(wrap("", "pipeline"), encoding="utf-8")
        return {d.code for d in check([path], load_config(tmp_path / "pyproject.toml")).diagnostics}
    return {d.code for d in reported(block.code, block.context, tmp_path)}


RULE_EXAMPLES = _rule_examples()


def test_rules_md_examples_cover_the_codes() -> None:
    from wavec.diagnostics.codes import registry

    assert {code for code, _, _ in RULE_EXAMPLES} == set(registry())


@pytest.mark.parametrize(("code", "example", "fix"), RULE_EXAMPLES, ids=[c for c, _, _ in RULE_EXAMPLES])
def test_rules_md_example_reports_its_code_and_the_fix_does_not(code: str, example: Block, fix: Block,
                                                                tmp_path: Path) -> None:
    # WV014 (not UTF-8) and WV018 (over 16 MiB) describe both blocks: such input cannot be shown; nor can
    # WV906's pipeline of more than 50 stages (a wave or stage per line, 50 lines of them).
    if example.lang != "text":
        found = _reported_codes(example, tmp_path / "example")
        builtin = {c for c in found if c.startswith("WV")}
        assert code in builtin, f"{example}: does not report {code} ({', '.join(sorted(found)) or 'nothing'})"
        assert builtin <= {code} | REPORTED_TOGETHER.get(code, set()), f"{example}: also reports {sorted(builtin)}"
    if fix.lang != "text":
        found = _reported_codes(fix, tmp_path / "fix")
        assert not {c for c in found if c.startswith("WV")}, f"{fix}: reports {sorted(found)}"


def test_the_readme_headline_example_passes_hands_off_and_is_fmt_clean(tmp_path: Path) -> None:
    # The first file a visitor reads is the one they copy: it must pass the policy it imports, without a
    # warning, and be in the layout `wavec fmt` writes (it failed HO009 and was hand-aligned until #15).
    (first, *_) = blocks_of((ROOT / "README.md").read_text(encoding="utf-8"), "README.md", ("wave",))
    path = tmp_path / "checkout.wave"
    path.write_text(first.code, encoding="utf-8")
    result = check([path])
    assert [p.name for p in result.pipelines[0].policies] == ["hands_off"]
    assert result.diagnostics == [], describe(result.diagnostics)
    proc = cli("fmt", "--check", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.wave")), ids=lambda p: p.name)
def test_every_example_passes_its_policies_without_a_finding_and_is_fmt_clean(example: Path) -> None:
    result = check([example])
    assert result.diagnostics == [], describe(result.diagnostics)
    proc = cli("fmt", "--check", str(example))
    assert proc.returncode == 0, proc.stdout + proc.stderr
