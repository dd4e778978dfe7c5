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


def test_long_literals_are_reported_before_lexing_and_the_rest_of_the_file_still_is(tmp_path: Path) -> None:
    # Blanked out before the lexer sees it: the file's other mistakes (a `:` for `=` after it) are still found,
    # on their own lines, and an escaped quote does not end the scan's string early.
    body = "a" * MAX_STRING + '\\"' + "b" * 10
    text = f'let x = "{body}"\n# a comment with a " quote\nlet y: 3\n'
    assert _codes(tmp_path, text) == [("WV020", 1), ("WV005", 3)]


# 15 MB of string literal under a 1 GiB address-space limit: the lexer's pattern alone took ~410 bytes a
# character (a MemoryError under 3 GB) before WV020 ran; the scan before lexing takes a few bytes.
_BIG_LITERAL = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from pathlib import Path
from wavec import check
from wavec.config import Config
path = Path(sys.argv[1])
path.write_text('let x = "' + "a" * 15_000_000 + '"\\n', encoding="utf-8")
print(" ".join(d.code for d in check([path], Config()).diagnostics))
"""


def test_a_15_mb_literal_gives_a_diagnostic_within_1_gib(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _BIG_LITERAL, str(tmp_path / "big.wave")], capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "WV020"), done.stderr[-2000:]


@pytest.mark.parametrize(("literal", "code"), [
    ("9" * 4301, "WV009"), ("9" * 4301 + "%", "WV009"), ("9" * 4301 + "s", "WV009"), ("1" + "0" * 4300 + "d", "WV009"),
    ("9" * 400, None),  # long, but within MAX_DIGITS: operators meet such numbers (tests/test_operators.py)
])
def test_numbers_with_more_digits_than_int_reads_are_diagnostics(tmp_path: Path, literal: str, code: str | None
                                                                 ) -> None:
    assert _codes(tmp_path, f"let n = {literal}\n") == ([(code, 1)] if code else [])


@pytest.mark.parametrize(("bake", "reported"), [("365d", False), ("366d", True), ("3000000d", True),
                                                ("200d + 200d", True)])
def test_a_bake_longer_than_a_year_is_a_check_error(tmp_path: Path, bake: str, reported: bool) -> None:
    text = HEAD + f'  wave w {{ regions = ["us-east-1"]  bake = {bake} }}\n}}\n'
    assert _codes(tmp_path, text) == ([("WV120", 5)] if reported else [])
