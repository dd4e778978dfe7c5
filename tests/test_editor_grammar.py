"""The TextMate grammar in editors/: every regex compiles with Oniguruma (the engine of VS Code), and
tokenizing the examples with a TextMate engine (textmate-grammar-python) gives each token of the real
parser the scope it should have: comments, strings, numbers, keywords, block headers, attributes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import onigurumacffi
import pytest

from wavec.diagnostics import Sink
from wavec.source import SourceFile
from wavec.syntax import tree as t
from wavec.syntax.comments import Lexed
from wavec.syntax.parser import parse

from conftest import EXAMPLES, ROOT

GRAMMAR_PATH = ROOT / "editors" / "wave.tmLanguage.json"
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR: dict[str, Any] = json.loads(GRAMMAR_PATH.read_text(encoding="utf-8"))
STDLIB = sorted((ROOT / "stdlib").rglob("*.wave"))
FILES = sorted(EXAMPLES.glob("*.wave")) + STDLIB


def _regexes(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end", "while") and isinstance(value, str):
                yield value
            else:
                yield from _regexes(value)
    elif isinstance(node, list):
        for x in node:
            yield from _regexes(x)


def test_every_regex_compiles_with_oniguruma() -> None:
    regexes = list(_regexes(GRAMMAR))
    assert len(regexes) > 30
    for rx in regexes:
        onigurumacffi.compile(rx)  # raises on a pattern VS Code could not use


def test_grammar_metadata_and_vscode_extension() -> None:
    assert GRAMMAR["scopeName"] == "source.wave" and GRAMMAR["fileTypes"] == ["wave"]
    includes = {v["include"][1:] for v in _dicts(GRAMMAR) if isinstance(v.get("include"), str)}
    assert includes <= set(GRAMMAR["repository"]), includes - set(GRAMMAR["repository"])
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    (language,) = package["contributes"]["languages"]
    (grammar,) = package["contributes"]["grammars"]
    assert language["extensions"] == [".wave"] and grammar["language"] == language["id"]
    assert grammar["scopeName"] == GRAMMAR["scopeName"]
    assert (VSCODE / grammar["path"]).read_text(encoding="utf-8") == GRAMMAR_PATH.read_text(encoding="utf-8")
    config = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert config["comments"]["lineComment"] == "#"


def _dicts(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _dicts(v)
    elif isinstance(node, list):
        for x in node:
            yield from _dicts(x)


@pytest.fixture(scope="module")
def tokenize(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import os

    # textmate_grammar makes a cache folder in the working directory when imported: keep it out of the repo
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("textmate"))
    try:
        from textmate_grammar.parsers.base import LanguageParser
    finally:
        os.chdir(cwd)
    logging.getLogger("textmate_grammar").setLevel(logging.ERROR)
    language = LanguageParser(GRAMMAR)

    def run(text: str) -> dict[tuple[int, int], list[str]]:
        element = language.parse_string(text)
        return {pos: scopes for pos, _, scopes in element.flatten()}

    return run


def _expected(text: str) -> list[tuple[int, str, str]]:
    """(offset, token text, scope prefix) for what the real lexer and parser see."""
    want: list[tuple[int, str, str]] = []
    kinds = {"COMMENT": "comment.line.number-sign", "STRING": "string.quoted.double",
             "PERCENT": "constant.numeric.percent", "CLOCK": "constant.numeric.clock",
             "TRUE": "constant.language.boolean", "FALSE": "constant.language.boolean",
             "NONE": "constant.language.null", "IMPORT": "keyword.control.import", "LET": "storage.type.let",
             "ALLOW": "keyword.other.allow", "AND": "keyword.operator.logical", "OR": "keyword.operator.logical",
             "NOT": "keyword.operator.logical", "IN": "keyword.operator.logical",
             "_ARROW": "storage.type.function.arrow", "COMPARE": "keyword.operator.comparison"}
    for tok in Lexed(text).tokens:
        if tok.type in kinds:
            want.append((tok.start, tok.text, kinds[tok.type]))
        elif tok.type == "NUMBER":
            kind = "constant.numeric.duration" if tok.text[-1].isalpha() else "constant.numeric"
            want.append((tok.start, tok.text, kind))
    module = parse(SourceFile("x.wave", text), Sink())
    assert module is not None

    def walk(items: tuple[t.Item, ...]) -> None:
        for item in items:
            if isinstance(item, t.Block):
                want.append((item.type.span.start, item.type.value, "storage.type.block"))
                for label in item.labels:
                    if isinstance(label, t.Ident):
                        want.append((label.span.start, label.value, "entity.name.section"))
                walk(item.body)
            elif isinstance(item, t.Attribute):
                want.append((item.name.span.start, item.name.value, "variable.other.property"))

    walk(module.items)
    return want


@pytest.mark.parametrize("path", [*FILES, Path("starter.wave")], ids=lambda p: p.name)
def test_scopes_match_what_the_parser_sees(path: Path, tokenize: Any) -> None:
    from wavec.cli.init import starter

    text = path.read_text(encoding="utf-8") if path.exists() else starter("demo", "demo", ["eu-west-1", "us-east-1"])
    src = SourceFile(path.name, text)
    scopes = tokenize(text)
    wrong = []
    expected = _expected(text)
    assert len(expected) > 20
    for offset, token, scope in expected:
        line, col = src.line_col(offset)
        got = scopes.get((line - 1, col - 1), [])
        if not any(s.startswith(scope) for s in got):
            wrong.append(f"{path.name}:{line}:{col} {token!r}: want {scope}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_sample_lines(tokenize: Any) -> None:
    line = '  run = "deploy ${region} $${HOME} \\q"  # go\n'
    scopes = tokenize(line)
    assert "variable.other.interpolation.wave" in scopes[(0, line.index("region"))]
    assert "constant.character.escape.dollar.wave" in scopes[(0, line.index("$${"))]
    assert "invalid.illegal.escape.wave" in scopes[(0, line.index("\\q"))]
    assert "comment.line.number-sign.wave" in scopes[(0, line.index("#"))]
    scopes = tokenize("  bake = 30mins\n")
    assert "invalid.illegal.number.wave" in scopes[(0, 9)]
