"""`wavec fmt`: the layout rules on small inputs, snapshots of formatted files, and the command line."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from fmt_helpers import comment_texts, fmt
from syrupy.assertion import SnapshotAssertion

from wavec.syntax.format import format_text

from conftest import EXAMPLES, ROOT, cli

FIXTURES = Path(__file__).parent / "fixtures" / "fmt"


def f(text: str) -> str:
    return fmt(textwrap.dedent(text).lstrip("\n"))


# ---------------------------------------------------------------- the rules


def test_indentation_spacing_and_alignment() -> None:
    assert f("""
        pipeline p{
        role="r"
              artifacts   =  "b"
        wave   w {
        regions=["a","b"]
        }
        }
        """) == textwrap.dedent("""\
        pipeline p {
          role      = "r"
          artifacts = "b"
          wave w {
            regions = ["a", "b"]
          }
        }
        """)


def test_blank_lines_kept_collapsed_and_trimmed() -> None:
    assert f("""


        let a = 1



        let b = 2
        pipeline p {

          role = "r"


          wave w { regions = ["a"] }

        }


        """) == "let a = 1\n\nlet b = 2\npipeline p {\n  role = \"r\"\n\n  wave w { regions = [\"a\"] }\n}\n"


def test_a_blank_line_starts_a_new_alignment_group() -> None:
    assert f("""
        gate g {
          alarms = ["a"]
          on_breach = rollback

          interval = 1m
          approval = true
        }
        """) == ('gate g {\n  alarms    = ["a"]\n  on_breach = rollback\n\n  interval = 1m\n  approval = true\n}\n')


def test_short_one_line_block_stays_on_one_line() -> None:
    out = f('stage s {\n  step unit {kind=test    run="make test"}\n}\n')
    assert out == 'stage s {\n  step unit { kind = test  run = "make test" }\n}\n'


def test_one_line_blocks_of_a_kind_align_their_braces() -> None:
    out = f("""
        stage s {
          step unit { kind = test  run = "a" }
          step integration { kind = test  run = "b" }
        }
        """)
    assert "  step unit        { kind" in out and "  step integration { kind" in out


def test_a_multi_line_block_is_never_joined() -> None:
    text = 'source s3 {\n  bucket = "b"\n}\n'
    assert f(text) == text


def test_one_line_block_too_wide_is_expanded() -> None:
    long = "x" * 100
    out = f(f'step unit {{ kind = test  run = "{long}" }}\n')
    assert out == f'step unit {{\n  kind = test\n  run  = "{long}"\n}}\n'


def test_one_line_block_with_a_nested_block_or_comment_is_expanded() -> None:
    assert f('deploy { local { run = "a"  rollback = "b" } }\n') == (
        'deploy {\n  local { run = "a"  rollback = "b" }\n}\n')
    assert f('step unit { kind = test  # the unit tests\n run = "t" }\n') == (
        'step unit {\n  kind = test  # the unit tests\n  run  = "t"\n}\n')


def test_empty_block() -> None:
    assert f("local {\n\n}\n") == "local {}\n"
    assert f("local {\n  # nothing yet\n}\n") == "local {\n  # nothing yet\n}\n"


def test_lists_collapse_when_they_fit_and_expand_when_not() -> None:
    assert f('regions = [\n  "a",\n  "b"\n]\n') == 'regions = ["a", "b"]\n'
    many = ", ".join(f'"region-number-{i}"' for i in range(8))
    out = f(f"regions = [{many}]\n")
    assert out.startswith('regions = [\n  "region-number-0",\n') and out.endswith('  "region-number-7",\n]\n')


def test_a_trailing_comma_keeps_a_list_expanded() -> None:
    assert f('after = [a, b,]\n') == "after = [\n  a,\n  b,\n]\n"


def test_maps_one_line_and_expanded_with_aligned_keys() -> None:
    assert f('env = {A="1" Bb = "2"}\n') == 'env = { A = "1", Bb = "2" }\n'
    assert f('env = {\n  A = "1"  # one\n  "LONG_KEY" = "2",\n}\n') == (
        'env = {\n  A          = "1",  # one\n  "LONG_KEY" = "2",\n}\n')


def test_comments_in_every_place_are_kept() -> None:
    text = textwrap.dedent("""\
        # file header

        import "std/windows"  # windows
        pipeline p {  # after the brace
          # before role
          role = "r"  # after role
          regions = [  # after the bracket
            # before a
            "a",  # after a
            "b",
            # at the end of the list
          ]
          bake  # between name and value
            = 1h
          # at the end of the block
        }
        # at the end of the file
        """)
    out = fmt(text)
    assert comment_texts(out) == comment_texts(text)
    assert "  # between name and value\n  bake    = 1h\n" in out
    assert 'pipeline p {  # after the brace\n  # before role\n  role    = "r"  # after role\n' in out


def test_literals_are_printed_as_written() -> None:
    text = 'let a = [1.50, 0.5%, 1h30m, 09:00, "line\\nnext", "q\\"uote", "x\\\\y", "$${HOME}", 007]\n'
    assert f(text) == text


def test_expressions_are_respaced_and_keep_their_line_breaks() -> None:
    out = f("""
        rule R "t" {
          assert = all( this.gates , g=>g.on_breach==rollback )and not(this.x in [ 1,2 ])
          where = this.index>=1 and
                    len( waves[ 1: ] )>-1
        }
        """)
    assert out == textwrap.dedent("""\
        rule R "t" {
          assert = all(this.gates, g => g.on_breach == rollback) and not (this.x in [1, 2])
          where  = this.index >= 1 and
            len(waves[1:]) > -1
        }
        """)


def test_crlf_and_tabs_become_lf_and_spaces() -> None:
    assert fmt('pipeline p {\r\n\trole = "r"\r\n}\r\n') == 'pipeline p {\n  role = "r"\n}\n'


def test_a_syntax_error_gives_diagnostics_and_no_text() -> None:
    result = format_text("wave w {\n  bake: 1h\n}\n", "w.wave")
    assert result.text is None
    assert [d.code for d in result.diagnostics] == ["WV005"]


# ---------------------------------------------------------------- snapshots


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.wave")) + sorted(FIXTURES.glob("*.wave")),
                         ids=lambda p: p.name)
def test_formatted_file_snapshot(path: Path, snapshot: SnapshotAssertion) -> None:
    assert fmt(path.read_text(encoding="utf-8")) == snapshot


def test_examples_change_only_in_alignment() -> None:
    # the examples were written by hand in (nearly) the canonical layout: fmt leaves their shape alone
    for path in sorted(EXAMPLES.glob("*.wave")):
        before = path.read_text(encoding="utf-8").splitlines()
        after = fmt("\n".join(before) + "\n").splitlines()
        assert len(after) == len(before), path.name
        for a, b in zip(before, after, strict=True):
            assert a.split() == b.split(), (a, b)


# ---------------------------------------------------------------- the command


def _messy(tmp_path: Path) -> Path:
    path = tmp_path / "messy.wave"
    shutil.copy(FIXTURES / "messy.wave", path)
    return path


def test_cli_rewrites_in_place_and_reports(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    proc = cli("fmt", str(path))
    assert proc.returncode == 0, proc.stderr
    assert f"reformatted {path.as_posix()}" in proc.stderr
    assert path.read_text(encoding="utf-8") == fmt((FIXTURES / "messy.wave").read_text(encoding="utf-8"))
    again = cli("fmt", str(path))
    assert again.returncode == 0 and "1 file left unchanged" in again.stderr


def test_cli_check_names_the_file_and_writes_nothing(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    before = path.read_bytes()
    proc = cli("fmt", "--check", str(tmp_path))
    assert proc.returncode == 1
    assert f"would reformat {path.as_posix()}" in proc.stderr
    assert path.read_bytes() == before
    formatted = tmp_path / "ok.wave"
    formatted.write_text(fmt(before.decode()), encoding="utf-8")
    assert cli("fmt", "--check", str(formatted)).returncode == 0


def test_cli_diff_is_a_unified_diff_that_patch_applies(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    before = path.read_bytes()
    proc = cli("fmt", "--diff", path.name, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("--- a/messy.wave\n+++ b/messy.wave\n@@ ")
    assert path.read_bytes() == before
    if shutil.which("git"):
        subprocess.run(["git", "apply", "-"], input=proc.stdout, text=True, cwd=tmp_path, check=True)
        assert path.read_text(encoding="utf-8") == fmt(before.decode())


def test_cli_syntax_error_is_reported_and_the_file_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wave"
    bad.write_text("wave w {\n  bake: 1h\n}\n", encoding="utf-8")
    good = _messy(tmp_path)
    proc = cli("fmt", str(tmp_path))
    assert proc.returncode == 1
    assert "error[WV005]" in proc.stderr and "bad.wave:2:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert bad.read_text(encoding="utf-8") == "wave w {\n  bake: 1h\n}\n"
    assert "reformatted" in proc.stderr and good.read_text(encoding="utf-8").startswith("# header")


def test_cli_not_utf8_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.wave"
    bad.write_bytes("# café\nlet a = 1\n".encode("latin-1"))
    proc = cli("fmt", str(bad))
    assert proc.returncode == 1 and "WV014" in proc.stderr
    assert bad.read_bytes() == "# café\nlet a = 1\n".encode("latin-1")


def test_cli_stdin_to_stdout() -> None:
    proc = cli("fmt", "-", input='let   a=[1,2]   # c\n')
    assert proc.returncode == 0 and proc.stdout == "let a = [1, 2]  # c\n"
    assert cli("fmt", "--check", "-", input="let a = 1\n").returncode == 0


def test_cli_missing_path_is_a_usage_error() -> None:
    proc = cli("fmt", "nope.wave")
    assert proc.returncode == 2 and "no such file" in proc.stderr


@pytest.mark.slow  # pre-commit and git in a throw-away repository
def test_pre_commit_hook_rewrites_and_fails_then_passes(tmp_path: Path) -> None:
    """The `wavec-fmt` hook as declared in .pre-commit-hooks.yaml, run by pre-commit in a git repository."""
    import yaml

    if not (shutil.which("git") and shutil.which("pre-commit")):
        pytest.fail("git and pre-commit are needed for this test (pre-commit is in the test extra)")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["wavec-fmt"]
    # the same hook, run from the installed wavec instead of a fresh virtualenv (no network needed)
    local = {"id": hook["id"], "name": hook["name"], "entry": hook["entry"], "language": "system",
             "files": hook["files"]}
    (tmp_path / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8")
    path = _messy(tmp_path)
    env = _env_with_wavec()
    for cmd in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(cmd, cwd=tmp_path, check=True, env=env)
    first = subprocess.run(["pre-commit", "run", "--all-files"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert path.read_text(encoding="utf-8") == fmt((FIXTURES / "messy.wave").read_text(encoding="utf-8"))
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True, env=env)
    second = subprocess.run(["pre-commit", "run", "--all-files"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr


def _env_with_wavec() -> dict[str, str]:
    import os
    import sys

    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PRE_COMMIT_HOME"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / "wavec-pre-commit-home")
    env.setdefault("GIT_AUTHOR_NAME", "t")
    env.setdefault("GIT_AUTHOR_EMAIL", "t@example.com")
    return env
