"""`wavec check` options users type without thinking (as in ruff): code selection, -o, -q, --color, stdin,
.gitignore and gitignore-style `exclude`, configuration found from the files, -V, shell completion."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import cli

# Two findings of two codes: WV104 (a region twice in a wave, an error) and WV126 (a warning).
DUP = """pipeline p {
  role = "arn:aws:iam::111122223333:role/p"
  source s3 { bucket = "b"  key = "k" }
  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }
  wave w { regions = ["us-east-1", "us-east-1"]  bake = 60 }
}
"""


def _codes(stdout: str) -> list[str]:
    return sorted({d["code"] for d in json.loads(stdout)})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project (wave.toml ignoring nothing) with p.wave holding WV104 and WV126."""
    (tmp_path / "wave.toml").write_text("", encoding="utf-8")
    (tmp_path / "p.wave").write_text(DUP, encoding="utf-8")
    return tmp_path


def test_the_fixture_has_both_codes(project: Path) -> None:
    proc = cli("check", "--format", "json", "p.wave", cwd=project)
    assert proc.returncode == 1 and _codes(proc.stdout) == ["WV104", "WV126"]


@pytest.mark.parametrize(("options", "codes", "exit_code"), [
    (["--select", "WV126"], ["WV126"], 0),                        # only the warning left: passes
    (["--select", "WV1"], ["WV104", "WV126"], 1),                 # a prefix
    (["--select", "ALL", "--ignore", "WV104"], ["WV126"], 0),
    (["--ignore", "WV104,WV126"], [], 0),                         # comma-separated
    (["--ignore", "WV1", "--extend-select", "WV104"], ["WV104"], 1),  # --ignore WV1 is less specific
    (["--select", "WV126", "--extend-select", "WV104"], ["WV104", "WV126"], 1),
    (["--select", "WV104", "--ignore", "WV104"], [], 0),          # a tie: --ignore wins
])
def test_select_ignore_extend_select(project: Path, options: list[str], codes: list[str], exit_code: int) -> None:
    proc = cli("check", "--format", "json", *options, "p.wave", cwd=project)
    assert (_codes(proc.stdout), proc.returncode) == (codes, exit_code), proc.stderr


def test_command_line_selection_combines_with_the_configuration(project: Path) -> None:
    (project / "wave.toml").write_text('ignore = ["WV126"]\nseverity = { WV104 = "warning" }\n', encoding="utf-8")
    proc = cli("check", "--format", "json", "p.wave", cwd=project)
    assert _codes(proc.stdout) == ["WV104"] and proc.returncode == 0  # severity applies: WV104 is a warning
    # --extend-select brings back what the configuration ignores; --ignore adds to it.
    assert _codes(cli("check", "--format", "json", "--extend-select", "WV126", "p.wave", cwd=project).stdout) \
        == ["WV104", "WV126"]
    assert _codes(cli("check", "--format", "json", "--ignore", "WV104", "p.wave", cwd=project).stdout) == []
    # --select starts afresh (ruff): what it names is reported even if the configuration ignores it.
    assert _codes(cli("check", "--format", "json", "--select", "WV126", "p.wave", cwd=project).stdout) == ["WV126"]
    shown = cli("check", "--show-suppressed", "--select", "WV126", "p.wave", cwd=project).stdout
    assert "= suppressed: not selected by `--select` on the command line" in shown


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_an_unknown_code_on_the_command_line_is_wv313(project: Path, option: str) -> None:
    proc = cli("check", option, "WV1O4", "p.wave", cwd=project)
    assert proc.returncode == 1
    assert f"error[WV313]: `{option}` on the command line names WV1O4" in proc.stdout
    assert "did you mean" in proc.stdout


def test_a_syntax_error_is_reported_whatever_is_selected(tmp_path: Path) -> None:
    (tmp_path / "bad.wave").write_text("pipeline {\n", encoding="utf-8")
    proc = cli("check", "--select", "HO001", "bad.wave", cwd=tmp_path)
    assert proc.returncode == 1 and "error[WV0" in proc.stdout


def test_output_file(project: Path) -> None:
    proc = cli("check", "--format", "json", "-o", "out/report.json", "p.wave", cwd=project)
    assert proc.returncode == 1 and proc.stdout == ""
    assert _codes((project / "out" / "report.json").read_text(encoding="utf-8")) == ["WV104", "WV126"]
    proc = cli("check", "--output-file", "report.txt", "--color", "auto", "p.wave", cwd=project,
               env={"FORCE_COLOR": ""})
    text = (project / "report.txt").read_text(encoding="utf-8")
    assert "error[WV104]" in text and "Found 1 error and 1 warning" in text and "\x1b[" not in text


def test_quiet_prints_only_the_diagnostics(project: Path) -> None:
    loud, quiet = cli("check", "p.wave", cwd=project), cli("check", "-q", "p.wave", cwd=project)
    assert "Found 1 error and 1 warning in 1 file." in loud.stdout
    assert quiet.returncode == 1 and "error[WV104]" in quiet.stdout and "Found" not in quiet.stdout
    assert cli("check", "--quiet", "--ignore", "WV104,WV126", "p.wave", cwd=project).stdout == ""


@pytest.mark.parametrize(("color", "env", "colored"), [
    ("always", {"NO_COLOR": "1"}, True),       # the option wins over the environment
    ("never", {"FORCE_COLOR": "1"}, False),
    ("auto", {"FORCE_COLOR": "1"}, True),      # not a terminal, but forced (ruff: FORCE_COLOR beats NO_COLOR)
    ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True),
    ("auto", {"CLICOLOR_FORCE": "1"}, True),
    ("auto", {"CLICOLOR_FORCE": "0"}, False),
    ("auto", {"NO_COLOR": "1"}, False),
    ("auto", {}, False),                       # not a terminal
])
def test_color(project: Path, color: str, env: dict[str, str], colored: bool) -> None:
    proc = cli("check", "--color", color, "p.wave", cwd=project, env=env)
    assert ("\x1b[" in proc.stdout) is colored and "WV104" in proc.stdout


def test_other_commands_colour_their_diagnostics_by_the_same_rule(project: Path) -> None:
    # One rule for every command: `build` printed its diagnostics uncoloured under FORCE_COLOR and NO_COLOR
    # both, where `check` coloured them (two functions decided it, in opposite orders).
    env = {"FORCE_COLOR": "1", "NO_COLOR": "1"}
    built = cli("build", "p.wave", "--target", "local", cwd=project, env=env)
    checked = cli("check", "p.wave", cwd=project, env=env)
    assert "WV126" in built.stderr and "\x1b[" in built.stderr and "\x1b[" in checked.stdout
    assert "\x1b[" not in cli("build", "p.wave", "--target", "local", cwd=project, env={"NO_COLOR": "1"}).stderr


def test_stdin(project: Path) -> None:
    proc = cli("check", "-", cwd=project, input=DUP)
    assert proc.returncode == 1 and " --> -:5:" in proc.stdout
    # --stdin-filename: the name shown, and where configuration and imports are found from.
    sub = project / "team"
    sub.mkdir()
    (sub / "wave.toml").write_text('ignore = ["WV104"]\n', encoding="utf-8")
    (sub / "shared.wave").write_text('let home = "us-east-1"\n', encoding="utf-8")
    text = 'import "./shared.wave" as shared\n' + DUP.replace('"us-east-1", "us-east-1"', "shared.home, shared.home")
    proc = cli("check", "-", "--stdin-filename", "team/new.wave", cwd=project, input=text)
    assert proc.returncode == 0, proc.stdout
    assert " --> team/new.wave:" in proc.stdout and "WV126" in proc.stdout and "WV104" not in proc.stdout
    assert cli("check", "-", "p.wave", cwd=project).returncode == 2
    assert cli("check", "--stdin-filename", "x.wave", "p.wave", cwd=project).returncode == 2


def test_gitignore_is_honoured_in_folders(project: Path) -> None:
    (project / ".gitignore").write_text("build/\n*.gen.wave\n", encoding="utf-8")
    for name in ("build/broken.wave", "deep/x.gen.wave", "deep/ok.wave"):
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_text("pipeline {" if "ok" not in name else DUP, encoding="utf-8")
    (project / "deep" / ".gitignore").write_text("ok.wave\n", encoding="utf-8")  # a nested .gitignore
    proc = cli("check", "--ignore", "WV104,WV126", ".", cwd=project)
    assert proc.returncode == 0 and "All checks passed (1 file)" in proc.stdout, proc.stdout
    # A file named on the command line is checked even when ignored.
    assert cli("check", "build/broken.wave", cwd=project).returncode == 1


def test_exclude_has_gitignore_semantics(project: Path) -> None:
    (project / "wave.toml").write_text('exclude = ["**/gen/*.wave", "!gen/keep.wave"]\n', encoding="utf-8")
    for name in ("gen/a.wave", "x/gen/b.wave", "gen/keep.wave"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("pipeline {", encoding="utf-8")
    proc = cli("check", "--format", "json", ".", cwd=project)
    files = {d["file"] for d in json.loads(proc.stdout)}
    assert files == {"p.wave", "gen/keep.wave"}, files


def test_configuration_is_found_from_the_files_not_the_working_directory(
        project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (project / "wave.toml").write_text('ignore = ["WV104", "WV126"]\n', encoding="utf-8")
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # no configuration here or above
    assert cli("check", str(project / "p.wave"), cwd=elsewhere).returncode == 0
    assert cli("check", str(project), cwd=elsewhere).returncode == 0
    # Two projects in one run: each file under its own configuration.
    other = tmp_path_factory.mktemp("other")
    (other / "wave.toml").write_text("", encoding="utf-8")
    (other / "q.wave").write_text(DUP, encoding="utf-8")
    proc = cli("check", "--format", "json", str(project / "p.wave"), str(other / "q.wave"), cwd=elsewhere)
    assert sorted((Path(d["file"]).name, d["code"]) for d in json.loads(proc.stdout)) == [("q.wave", "WV104"),
                                                                                          ("q.wave", "WV126")]


def test_short_version() -> None:
    short, long = cli("-V"), cli("--version")
    assert short.returncode == 0 and short.stdout.startswith("wavec ") and short.stdout == long.stdout


def _complete(script: str, line: str) -> list[str]:
    """What bash completes for ``line`` (the cursor at its end) with ``script`` sourced."""
    words = line.split(" ")
    program = (script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
               f"COMP_CWORD={len(words) - 1}\nCOMP_LINE='{line}'\nCOMP_POINT={len(line)}\n"
               "_wavec\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                          timeout=30, cwd="/")
    assert proc.returncode == 0, proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes_commands_options_and_values() -> None:
    proc = cli("completion", "bash")
    assert proc.returncode == 0
    script = proc.stdout
    assert _complete(script, "wavec ch") == ["check"]
    assert _complete(script, "wavec check --form") == ["--format"]
    assert _complete(script, "wavec check --format s") == ["sarif"]
    assert _complete(script, "wavec check --stdin-f") == ["--stdin-filename"]
    assert _complete(script, "wavec build --target ") == ["codepipeline", "local"]
    assert sorted(_complete(script, "wavec completion ")) == ["bash", "fish", "zsh"]
    assert "--select" in _complete(script, "wavec check --s")
    assert _complete(script, "wavec check --select ") == []  # codes, not file names


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion_come_from_the_parser(shell: str) -> None:
    script = cli("completion", shell).stdout
    for word in ("check", "stdin-filename", "extend-select", "sarif", "completion"):
        assert word in script, word
    if shutil.which(shell):  # not installed here; where it is, the script must at least parse
        assert subprocess.run([shell, "-n", "-c", script], capture_output=True, timeout=30).returncode == 0


def test_completion_of_an_unknown_shell_is_a_usage_error() -> None:
    proc = cli("completion", "tcsh")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_a_project_inside_a_folder_checked_keeps_its_configuration(project: Path) -> None:
    (project / "wave.toml").write_text('ignore = ["WV126"]\n', encoding="utf-8")
    sub = project / "services" / "pay"
    sub.mkdir(parents=True)
    (sub / "wave.toml").write_text('ignore = ["WV104"]\n', encoding="utf-8")
    (sub / "q.wave").write_text(DUP, encoding="utf-8")
    proc = cli("check", "--format", "json", ".", cwd=project)
    found = sorted((d["file"], d["code"]) for d in json.loads(proc.stdout))
    assert found == [("p.wave", "WV104"), ("services/pay/q.wave", "WV126")], found
