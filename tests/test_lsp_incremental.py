"""The incremental diagnostics of the language server (wavec.lsp.incremental), in the process: after each
edit of a generated project, what a change re-checks equals a check of the whole buffer, and the edits that
stay inside one pipeline are answered without one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks.generate import write_project
from wavec.api import load_config
from wavec.lsp.incremental import TARGET_CODES, Incremental, resplit, split
from wavec.lsp.outline import Cursor, CursorCache, scan


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    project = write_project(tmp_path_factory.mktemp("inc"), 12, per_pipeline=3)
    return project.entry, project.entry.read_text(encoding="utf-8")


def _whole(path: Path, text: str) -> list[tuple[int, int, str, str]]:
    return [f.key() for f in Incremental(path, min_chars=10**9).diagnose(text, load_config(start=path.parent)).found]


def test_edits_inside_a_pipeline_are_checked_alone_and_equal_a_whole_check(generated: tuple[Path, str]) -> None:
    path, text = generated
    config = load_config(start=path.parent)
    checker = Incremental(path, min_chars=0)
    assert checker.diagnose(text, config).full
    third = text.index("pipeline svc00002")
    bake = text.index("bake", third)
    region = text.index('regions  = ["', third) + len('regions  = [')
    last = text.rindex("bake")
    edits = [
        text[:bake] + "bake " + text[bake + 4:],                               # a keystroke, still clean
        text[:bake] + "bakee" + text[bake + 4:],                               # WV102 in pipeline 3
        text[:bake] + "bake = 30mins\n    " + text[bake:],                     # two more lines
        text[:region] + '"eu-west-9", ' + text[region:last] + "bak" + text[last + 4:],  # two pipelines
    ]
    codes = []
    for edited in edits:
        outcome = checker.diagnose(edited, config)
        assert not outcome.full, "an edit inside pipelines re-checks those alone"
        assert [f.key() for f in outcome.found] == _whole(path, edited)
        codes.append(sorted({f.code for f in outcome.found}))
    assert codes == [[], ["WV102"], ["WV009", "WV107"], ["WV102", "WV113"]]


def test_an_edit_outside_the_pipelines_is_checked_whole_unless_it_is_a_comment(generated: tuple[Path, str]
                                                                                ) -> None:
    path, text = generated
    config = load_config(start=path.parent)
    checker = Incremental(path, min_chars=0)
    checker.diagnose(text, config)
    third = text.index("pipeline svc00002")
    typo = text[:third].replace("bake", "bakee", 1) + text[third:]
    comment = typo.replace("# svc00001: ", "# svc00001 (moved to\n# the new account): ", 1)
    for edited in (typo, comment):
        outcome = checker.diagnose(edited, config)
        assert not outcome.full and [f.key() for f in outcome.found] == _whole(path, edited)
    edited = text.replace("import \"std/windows\"\n", "import \"std/windows\"\nlet spare = 1\n", 1)
    outcome = checker.diagnose(edited, config)
    assert outcome.full and [f.key() for f in outcome.found] == _whole(path, edited)


def test_target_constraints_follow_errors_elsewhere_in_the_file(tmp_path: Path) -> None:
    """`wavec check` skips the target constraints of a file with an error: fixing the error in one pipeline
    brings back another pipeline's WV9xx."""
    (tmp_path / "wave.toml").write_text("", encoding="utf-8")
    one = ('pipeline {name} {{\n  targets = [codepipeline]\n  source s3 {{\n    bucket = "b"\n    key = "k.zip"\n'
           '  }}\n  deploy {{\n    local {{ run = "echo"  rollback = "echo" }}\n  }}\n  wave w {{\n'
           '    regions = ["eu-west-1"]\n  }}\n}}\n')
    text = one.format(name="a") + one.format(name="b")
    path = tmp_path / "two.wave"
    path.write_text(text, encoding="utf-8")
    whole = _whole(path, text)
    if not any(code in TARGET_CODES for _, _, code, _ in whole):
        pytest.skip("this pipeline breaks no target constraint any more")
    config = load_config(start=tmp_path)
    checker = Incremental(path, min_chars=0)
    broken = text.replace('"eu-west-1"', '"eu-west-9"', 1)
    for edited in (broken, text, broken):
        outcome = checker.diagnose(edited, config)
        assert [f.key() for f in outcome.found] == _whole(path, edited)


def test_a_buffer_that_cannot_be_cut_safely_is_not_split() -> None:
    assert split('pipeline a {\n  x = "open\n}\n') is None
    assert split("pipeline a {\n}\n}\n") is None
    pieces = split('let x = 1\npipeline a {\n  y = "}"\n}\n# c\npipeline b { }\n')
    assert pieces is not None and pieces.names == ("a", "b")


def test_cutting_only_what_an_edit_changed_cuts_as_a_whole_scan_does() -> None:
    """resplit after random edits (braces, quotes, comments, newlines, whole lines) equals split of the
    edited text, or declines."""
    base = ('import "./x.wave" as x\n# first\npipeline a {\n  s = "${region}}"\n  w { b = 1 }\n}\n\n'
            'let l = 1\npipeline b {\n  # {\n}\npipeline c { }\n# last\n')
    pieces = split(base)
    assert pieces is not None and pieces.names == ("a", "b", "c")
    rng = random.Random(17)
    declined = 0
    for _ in range(600):
        at = rng.randrange(len(base) + 1)
        cut = rng.choice([0, 0, 1, 2, 5])
        insert = rng.choice(["", "{", "}", '"', "#", "\n", "x", "pipeline d {\n}\n", " ", "\n}\n"])
        edited = base[:at] + insert + base[at + cut:]
        again = resplit(base, pieces, edited)
        if again is None:
            declined += 1
        else:
            assert again == split(edited), (at, cut, insert)
    assert declined < 400


def _context(cursor: Cursor | None) -> object:
    if cursor is None:
        return None
    chain = []
    block = cursor.block
    while block is not None:
        chain.append((block.kind, tuple(block.labels), block.start, block.is_map))
        block = block.parent
    return chain, [(w.text, w.start) for w in cursor.words], cursor.word


def test_the_kept_scan_of_a_buffer_gives_the_cursor_a_whole_scan_gives(generated: tuple[Path, str]) -> None:
    _path, text = generated
    cache = CursorCache()
    rng = random.Random(5)
    for _ in range(80):
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.5:  # type something first, here or elsewhere
            edit = rng.randrange(len(text) + 1)
            text = text[:edit] + rng.choice(["x", " ", "\n", "{", "}", '"', "= ", "#"]) + text[edit:]
        assert _context(cache.cursor(text, at)) == _context(scan(text, at).cursor), at
