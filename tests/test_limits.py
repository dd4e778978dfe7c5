"""Limits give diagnostics, not crashes: file size, string length, counts, nesting (see wavec.limits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavec import check
from wavec.config import Config
from wavec.limits import MAX_FILE_BYTES, MAX_STRING, MAX_TARGETS, MAX_WAVES

HEAD = """pipeline p {
  role = "arn:aws:iam::111122223333:role/p"
  source s3 { bucket = "b"  key = "k" }
  deploy { local { run = "./deploy.sh"  rollback = "./rollback.sh" } }
"""


def _codes(tmp_path: Path, text: str | bytes) -> list[tuple[str, int]]:
    path = tmp_path / "limit.wave"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    result = check([path], Config())
    return [(d.code, d.primary.line if d.primary else 0) for d in result.diagnostics]


def test_file_too_large(tmp_path: Path) -> None:
    text = b"# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    assert _codes(tmp_path, text) == [("WV018", 1)]


def test_string_too_long(tmp_path: Path) -> None:
    text = HEAD + f'  stage s {{ step x {{ run = "{"a" * (MAX_STRING + 1)}" }} }}\n' + \
        '  wave w { regions = ["us-east-1"] }\n}\n'
    assert _codes(tmp_path, text) == [("WV020", 5)]


def test_deep_let_chain(tmp_path: Path) -> None:
    lets = "".join(f"let v{i} = v{i + 1}\n" for i in range(100)) + 'let v100 = "x"\n'
    codes = _codes(tmp_path, lets)
    assert codes and {c for c, _ in codes} == {"WV019"}


def test_deep_expression_chain(tmp_path: Path) -> None:
    assert [c for c, _ in _codes(tmp_path, "let x = 1" + " + 1" * 10_000 + "\n")] == ["WV019"]


def test_too_many_targets(tmp_path: Path) -> None:
    accounts = ", ".join(f'"{i:012d}"' for i in range(MAX_TARGETS // 2 + 1))
    text = HEAD + f'  wave w {{ regions = ["us-east-1", "eu-west-1"]  accounts = [{accounts}] }}\n}}\n'
    assert _codes(tmp_path, text) == [("WV127", 5)]


def test_too_many_waves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 50,000 waves take a while to parse; the mechanism is the same with a lower limit.
    assert MAX_WAVES == 50_000
    monkeypatch.setattr("wavec.semantics.lower.module.MAX_WAVES", 100)
    waves = "".join(f'  wave w{i} {{ regions = ["us-east-1"] }}\n' for i in range(101))
    codes = _codes(tmp_path, HEAD + waves + "}\n")
    assert codes == [("WV127", 5 + 100)]


def test_invalid_utf8_after_multibyte_characters_points_at_the_bad_byte(tmp_path: Path) -> None:
    # Found by the fuzzer: the decoder reports a byte offset, spans count characters.
    text = "# café … ok\n# bad: ".encode() + b"\x80 here\n"
    path = tmp_path / "u.wave"
    path.write_bytes(text)
    (d,) = check([path], Config()).diagnostics
    assert d.code == "WV014" and d.primary is not None
    assert (d.primary.line, d.primary.column) == (2, 8)
    assert d.primary.text == "\ufffd"
