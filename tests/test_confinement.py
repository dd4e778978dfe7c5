"""Links never take `wavec` out of the project root: files named on the command line, folder searches,
imports and `fmt` writes each resolve links before the root check, report a link out (WV021, WV112) and
never read, print or rewrite what is behind it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import EXAMPLES, cli

# What a leaked excerpt would show: the outside file's text (secret-looking, and a syntax error, so an
# excerpt of it would certainly be printed if the file were read).
SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
OUTSIDE_TEXT = f"{SECRET}\npipeline {{\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``tmp/proj`` (a project root with one real file) beside ``tmp/outside`` (a folder with a secret)."""
    proj, outside = tmp_path / "proj", tmp_path / "outside"
    (proj / "sub").mkdir(parents=True)
    outside.mkdir()
    (proj / "wave.toml").write_text("", encoding="utf-8")
    (proj / "app.wave").write_text((EXAMPLES / "minimal.wave").read_text(encoding="utf-8"), encoding="utf-8")
    (outside / "secret.wave").write_text(OUTSIDE_TEXT, encoding="utf-8")
    return proj


def _outside(project: Path) -> Path:
    return project.parent / "outside" / "secret.wave"


def _all_formats(*args: str, cwd: Path) -> list[tuple[int, str]]:
    return [(r.returncode, r.stdout + r.stderr)
            for fmt in ("text", "json", "sarif", "github")
            for r in [cli("check", "--format", fmt, *args, cwd=cwd)]]


def test_a_file_named_on_the_command_line_that_links_out_is_an_error_and_never_read(project: Path) -> None:
    os.symlink(_outside(project), project / "sub" / "config.wave")
    for code, out in _all_formats("sub/config.wave", cwd=project):
        assert code == 1
        assert "WV021" in out
        assert SECRET not in out and "pipeline {" not in out


def test_a_folder_search_skips_linked_files_and_folders_out_of_the_root(project: Path) -> None:
    os.symlink(_outside(project), project / "sub" / "config.wave")
    os.symlink(project.parent / "outside", project / "linked")
    for _, out in _all_formats(".", cwd=project):
        assert SECRET not in out
    result = cli("check", "--format", "json", ".", cwd=project)
    found = json.loads(result.stdout)
    assert sorted((d["code"], d["severity"], d["file"]) for d in found) == [
        ("WV021", "warning", "linked"), ("WV021", "warning", "sub/config.wave")]
    assert result.returncode == 0  # the project's own file checks cleanly; the links are warned about


def test_proc_self_environ_is_never_printed(project: Path) -> None:
    # The issue's reproduction: the runner's own environment, secrets included, behind a link.
    os.symlink("/proc/self/environ", project / "sub" / "config.wave")
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": SECRET}
    for target in (".", "sub/config.wave"):
        for fmt in ("text", "sarif"):
            result = cli("check", "--format", fmt, target, cwd=project, env=env)
            assert SECRET not in result.stdout + result.stderr
            assert "WV021" in result.stdout


def test_a_link_inside_the_root_is_followed_once(project: Path) -> None:
    os.symlink(project / "app.wave", project / "sub" / "alias.wave")
    os.symlink(project / "sub", project / "again")
    result = cli("check", "--format", "json", ".", cwd=project)
    assert result.returncode == 0 and json.loads(result.stdout) == []
    assert "1 file" in cli("check", ".", cwd=project).stdout


def test_an_import_through_a_linked_folder_or_of_a_linked_file_is_refused(project: Path) -> None:
    os.symlink(project.parent / "outside", project / "lib")
    os.symlink(_outside(project), project / "shared.wave")
    (project / "a.wave").write_text('import "./lib/secret.wave" as s\n', encoding="utf-8")
    (project / "b.wave").write_text('import "./shared.wave" as s\n', encoding="utf-8")
    for name in ("a.wave", "b.wave"):
        for code, out in _all_formats(name, cwd=project):
            assert code == 1
            assert "WV112" in out
            assert SECRET not in out


def test_an_import_through_a_link_inside_the_root_still_works(project: Path) -> None:
    (project / "real").mkdir()
    (project / "real" / "consts.wave").write_text('let home = "us-east-1"\n', encoding="utf-8")
    os.symlink(project / "real", project / "lib")
    (project / "a.wave").write_text('import "./lib/consts.wave" as c\n', encoding="utf-8")
    assert cli("check", "a.wave", cwd=project).returncode == 0


def test_fmt_of_a_folder_never_rewrites_a_file_out_of_the_root(project: Path) -> None:
    outside = _outside(project)
    outside.write_text("let   x   =   1\n", encoding="utf-8")  # formattable: fmt would rewrite it if it read it
    os.symlink(outside, project / "sub" / "ugly.wave")
    result = cli("fmt", ".", cwd=project)
    assert "WV021" in result.stderr
    assert outside.read_text(encoding="utf-8") == "let   x   =   1\n"
    assert (project / "sub" / "ugly.wave").is_symlink()


def test_fmt_of_a_named_link_out_of_the_root_is_an_error_and_writes_nothing(project: Path) -> None:
    outside = _outside(project)
    outside.write_text("let   x   =   1\n", encoding="utf-8")
    os.symlink(outside, project / "ugly.wave")
    for args in (("ugly.wave",), ("--diff", "ugly.wave"), ("--check", "ugly.wave")):
        result = cli("fmt", *args, cwd=project)
        assert result.returncode == 1, args
        assert "WV021" in result.stderr
        assert "let   x" not in result.stdout + result.stderr
    assert outside.read_text(encoding="utf-8") == "let   x   =   1\n"


def test_fmt_rewrites_a_linked_file_inside_the_root_at_its_real_path(project: Path) -> None:
    (project / "real.wave").write_text("let   x   =   1\n", encoding="utf-8")
    os.symlink(project / "real.wave", project / "alias.wave")
    assert cli("fmt", "alias.wave", cwd=project).returncode == 0
    assert (project / "alias.wave").is_symlink()
    assert (project / "real.wave").read_text(encoding="utf-8") == "let x = 1\n"


def test_a_fifo_is_refused_instead_of_blocking(project: Path) -> None:
    os.mkfifo(project / "pipe.wave")
    result = cli("check", "pipe.wave", cwd=project)
    assert result.returncode == 1
    assert "not a regular file" in result.stdout
