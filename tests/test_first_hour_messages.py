"""What a new user meets in the first hour, each said plainly (issue: "smaller truths")."""

from __future__ import annotations

from pathlib import Path

from wavec import check
from wavec.config import Config
from wavec.diagnostics import Diagnostic

from conftest import ROOT, cli

HEAD = ('pipeline p {\n  role = "arn:aws:iam::111122223333:role/p"\n  artifacts = "p-${region}"\n'
        '  source s3 { bucket = "b"  key = "k" }\n  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }\n')


def _only(tmp_path: Path, text: str) -> Diagnostic:
    path = tmp_path / "f.wave"
    path.write_text(text, encoding="utf-8")
    diagnostics = check([path], Config()).diagnostics
    assert len(diagnostics) == 1, [(d.code, d.message) for d in diagnostics]
    return diagnostics[0]


def _wave(tmp_path: Path, body: str) -> Diagnostic:
    return _only(tmp_path, HEAD + f'  wave w {{\n    regions = ["eu-west-1"]\n    {body}\n  }}\n}}\n')


def test_an_upper_case_unit_suggests_the_lower_case_one(tmp_path: Path) -> None:
    d = _wave(tmp_path, "bake = 1H")
    assert (d.code, d.primary and d.primary.line) == ("WV009", 8)
    assert d.help is not None and d.help.startswith("write `1h`")


def test_a_bare_number_after_hours_suggests_minutes(tmp_path: Path) -> None:
    d = _wave(tmp_path, "bake = 1h30")
    assert d.code == "WV009" and d.help is not None and d.help.startswith("write `1h30m`")


def test_a_quoted_duration_says_to_remove_the_quotes(tmp_path: Path) -> None:
    d = _wave(tmp_path, 'bake = "1h"')
    assert (d.code, d.message) == ("WV104", "expected a duration, found a string")
    assert d.help is not None and d.help.startswith("remove the quotes: `1h` is a duration")


def test_a_block_written_with_equals_says_to_remove_it(tmp_path: Path) -> None:
    d = _only(tmp_path, HEAD + '  wave w = {\n    regions = ["eu-west-1"]\n  }\n}\n')
    assert (d.code, d.message, d.primary and d.primary.line) == ("WV022", "a block takes no `=`: write `wave w {`", 6)


def test_a_slash_comment_says_comments_start_with_hash(tmp_path: Path) -> None:
    d = _only(tmp_path, HEAD + '  // production\n  wave w { regions = ["eu-west-1"] }\n}\n')
    assert (d.code, d.message, d.primary and d.primary.line) == ("WV023", "comments start with `#`", 6)


def test_a_standard_module_used_without_its_import_suggests_the_import(tmp_path: Path) -> None:
    d = _wave(tmp_path, "windows = [windows.business_hours]")
    assert (d.code, d.message) == ("WV108", "unknown name `windows`")
    assert d.help is not None and 'add `import "std/windows"`' in d.help


def test_policy_details_count_in_words(tmp_path: Path) -> None:
    path = tmp_path / "f.wave"
    path.write_text('import "std/policies/hands_off"\n' + HEAD.replace("pipeline p {\n", "pipeline p {\n"
                    "  policies = [hands_off]\n") + '  wave a { regions = ["eu-west-1", "us-east-1"] }\n'
                    '  wave b { regions = ["us-west-2", "eu-west-2", "eu-central-1", "ap-south-1", "sa-east-1", '
                    '"ca-central-1", "eu-north-1"] }\n}\n', encoding="utf-8")
    labels = {d.code: d.labels[0].message for d in check([path], Config()).diagnostics}
    assert labels["HO001"] == "reaches 2 regions and 2 targets, eu-west-1, us-east-1"
    assert labels["HO002"] == "reaches 7 regions after 2 regions"


def test_plan_format_html_points_to_the_html_option() -> None:
    for args in (["--format", "html"], ["--format=html"]):
        proc = cli("plan", str(ROOT / "examples" / "minimal.wave"), *args)
        assert proc.returncode == 2
        assert "`--html OUT`" in proc.stderr
