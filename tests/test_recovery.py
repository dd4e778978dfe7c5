"""Syntax-error recovery: every mistake of a file in one `wavec check`, each reported once, none twice.

The fixture `yaml_user_eight_mistakes.wave` is the first file of a YAML/Terraform user with the eight
mistakes such a user makes; before recovery it took eight rounds of `wavec check` (one error each). The
property tests plant one mistake at a time in the example files and assert exactly one diagnostic, at the
mistake's line: recovery never turns one mistake into more.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from wavec import check
from wavec.config import Config
from wavec.diagnostics import Diagnostic, Sink
from wavec.source import SourceFile
from wavec.syntax import tree as t
from wavec.syntax.parser import parse

from conftest import ROOT, cli
from expectations import lines_and_codes

FIXTURES = ROOT / "tests" / "fixtures" / "check"
EIGHT = FIXTURES / "yaml_user_eight_mistakes.wave"
EXAMPLES = sorted((ROOT / "examples").glob("*.wave"))


def _check_text(tmp_path: Path, text: str, name: str = "f.wave") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check([path], Config()).diagnostics


def _lines(diagnostics: list[Diagnostic]) -> Counter[tuple[int, str]]:
    return Counter((d.primary.line, d.code) for d in diagnostics if d.primary is not None)


def test_the_eight_mistakes_of_a_yaml_user_are_all_reported_in_one_check() -> None:
    result = cli("check", "--format", "json", EIGHT.relative_to(ROOT).as_posix())
    assert result.returncode == 1
    found = Counter((d["line"], d["code"]) for d in json.loads(result.stdout))
    assert sum(found.values()) == 8
    assert found == lines_and_codes(EIGHT, ROOT)
    assert set(dict(found).values()) == {1}  # each mistake once


def test_what_follows_a_syntax_error_is_still_lowered_and_checked(tmp_path: Path) -> None:
    # The colon is repaired and the file lowered: the unknown region further down is reported too.
    text = ('pipeline p {\n  role: "arn:aws:iam::111122223333:role/p"\n  source s3 { bucket = "b"  key = "k" }\n'
            '  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }\n'
            '  wave only { regions = ["eu-west-9"] }\n}\n')
    assert _lines(_check_text(tmp_path, text)) == Counter({(2, "WV005"): 1, (5, "WV113"): 1})


def test_a_block_dropped_by_recovery_leaves_no_unknown_names_and_no_missing_attributes(tmp_path: Path) -> None:
    text = ('pipeline p {\n  source s3 { bucket = "b"  key = "k" }\n'
            '  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }\n'
            '  gate health { alarms = ["a"] on_breach = rollback ) }\n'
            '  wave only { regions = ["eu-west-1"]  gates = [health] }\n}\n')
    diagnostics = _check_text(tmp_path, text)
    assert _lines(diagnostics) == Counter({(4, "WV001"): 1}), [d.message for d in diagnostics]


def test_a_misspelt_attribute_is_not_also_reported_missing(tmp_path: Path) -> None:
    text = ('pipeline p {\n  source s3 { bucket = "b"  key = "k" }\n'
            '  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }\n'
            '  wave only { regoins = ["eu-west-1"] }\n}\n')
    assert _lines(_check_text(tmp_path, text)) == Counter({(4, "WV102"): 1})


def test_an_error_free_file_parses_to_the_same_tree_with_nothing_damaged() -> None:
    for path in EXAMPLES:
        src = SourceFile(path.name, path.read_text(encoding="utf-8"))
        sink = Sink()
        module = parse(src, sink)
        assert module is not None and not list(sink) and module.lost_names == frozenset()
        stack: list[t.Item] = list(module.items)
        while stack:
            item = stack.pop()
            if isinstance(item, t.Block):
                assert not item.damaged
                stack.extend(item.body)


def test_many_errors_are_each_reported_and_the_parse_ends(tmp_path: Path) -> None:
    text = "".join(f"let a{i} = )\n" for i in range(150))
    diagnostics = _check_text(tmp_path, text)
    assert _lines(diagnostics) == Counter({(line, "WV001"): 1 for line in range(1, 101)})  # then it stops


# ----------------------------------------------------------------------------- one mistake, one diagnostic

def _mutations(text: str) -> list[tuple[str, str, int, str]]:
    """``(what, mutated text, line, code)`` for single mistakes planted in a valid file."""
    lines = text.split("\n")
    out: list[tuple[str, str, int, str]] = []

    def plant(what: str, index: int, new: str | None, code: str, line: int | None = None) -> None:
        copy = list(lines)
        if new is None:
            del copy[index]
        else:
            copy[index] = new
        out.append((what, "\n".join(copy), (line if line is not None else index) + 1, code))

    attr = re.compile(r"^(\s+)([a-z_]+)(\s*)= (.+)$")
    seen: set[str] = set()
    for i, line in enumerate(lines):
        m = attr.match(line)
        if m and "#" not in line and "{" not in line:
            indent, name, space, value = m.groups()
            if "colon" not in seen:
                plant("colon", i, f"{indent}{name}:{space}{value}", "WV005")
                seen.add("colon")
            if "slash" not in seen:
                plant("slash", i, f"{line}  // a note", "WV023")
                seen.add("slash")
            if name == "bake" and re.fullmatch(r"\d+[hm]", value) and "quoted" not in seen:
                plant("quoted", i, f'{indent}{name}{space}= "{value}"', "WV104")
                plant("upper", i, f"{indent}{name}{space}= {value.upper()}", "WV009")
                seen.add("quoted")
            if name == "regions" and "regoins" not in seen:
                plant("regoins", i, f"{indent}regoins{space}= {value}", "WV102")
                plant("stray", i, f"{indent}reg}}ions{space}= {value}", "WV001")
                seen.add("regoins")
            if value.startswith('"') and value.endswith('"') and value.count('"') == 2 and "open" not in seen:
                plant("unterminated", i, f"{indent}{name}{space}= {value[:-1]}", "WV003")
                seen.add("open")
        w = re.match(r"^(\s+)wave (\w+) \{$", line)
        if w and "equals" not in seen:
            plant("equals", i, f"{w.group(1)}wave {w.group(2)} = {{", "WV022")
            seen.add("equals")
        if re.fullmatch(r"\s+\}", line) and "brace" not in seen and i > 0:
            # the `}` of a block whose body spans lines: the `{` it closes is reported
            depth, j = 0, i
            while j > 0:
                j -= 1
                depth += lines[j].count("}") - lines[j].count("{")
                if depth < 0:
                    break
            plant("brace", i, None, "WV004", line=j)
            seen.add("brace")
    return out


CASES = [(path, *m) for path in EXAMPLES for m in _mutations(path.read_text(encoding="utf-8"))]


def test_the_mutations_cover_every_kind_of_mistake() -> None:
    assert {what for _, what, *_ in CASES} >= {"colon", "slash", "quoted", "upper", "regoins", "unterminated",
                                               "equals", "brace", "stray"}


@pytest.mark.parametrize(("path", "what", "text", "line", "code"), CASES,
                         ids=[f"{p.stem}-{w}" for p, w, *_ in CASES])
def test_one_planted_mistake_gives_one_diagnostic_at_its_line(
    tmp_path: Path, path: Path, what: str, text: str, line: int, code: str
) -> None:
    diagnostics = _check_text(tmp_path, text, path.name)
    assert _lines(diagnostics) == Counter({(line, code): 1}), [(d.primary.line if d.primary else 0, d.code,
                                                                d.message) for d in diagnostics]
