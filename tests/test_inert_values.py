"""Values reach the shell as data: a `let` string interpolated into a command, whatever it holds (`;`, `$(…)`,
quotes, backslashes, line breaks, a heredoc's delimiter), is one word of data in every shell context —
outside quotes, in single and double quotes, after a backslash, in a command substitution, in a heredoc, in a
comment — on the local target (the plan's commands) and in CodePipeline `commands`.

The commands really run, in `/bin/sh` (what `wavec run` and the emulator use) and in bash (the shell of
CodeBuild's images): each must print exactly the text the template says, and no other command may run (a
value that broke out would create the file `PWNED`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wavec.api import build, check
from wavec.config import Config
from wavec.diagnostics import Severity

from conftest import EXAMPLES

# (the command as the .wave string holds it, once decoded; what it prints for a value v)
Expect = Callable[[str], str]
TEMPLATES: list[tuple[str, Expect]] = [
    ("printf '%s\\n' ${x}", lambda v: v + "\n"),
    ("printf '%s\\n' \"pre ${x} post\"", lambda v: f"pre {v} post\n"),
    ("printf '%s\\n' 'pre ${x} post'", lambda v: f"pre {v} post\n"),
    ("printf '%s\\n' pre${x}post", lambda v: f"pre{v}post\n"),
    ("printf '%s\\n' \\${x}", lambda v: "\\" + v + "\n"),  # a backslash before the value is a backslash
    ("printf '%s\\n' \"$(printf '%s' \"${x}\")\"", lambda v: v.rstrip("\n") + "\n"),  # $(…) drops final newlines
    ("printf '%s\\n' `printf '%s' ${x}`x", lambda v: v.rstrip("\n") + "x\n" if "\n" not in v.rstrip("\n")
     and " " not in v and "\t" not in v and not any(c in v for c in "*?[") else None),  # type: ignore[return-value]
    ("true # ${x}", lambda v: ""),
]
# Heredocs need line breaks, which a CodePipeline Commands action does not take (WV916): local only.
HEREDOCS: list[tuple[str, Expect]] = [
    ("cat <<EOF\n${x}\nEOF", lambda v: v.rstrip("\n") + "\n"),
    ("cat <<-EOF\n\tpre ${x}\n\tEOF", lambda v: "pre " + v.rstrip("\n") + "\n"),
    # The heredoc's body is read from the lines after the command, which goes on after `<<EOF`.
    ("cat <<EOF; printf '%s\\n' ${x}\n${x} \"${x}\"\nEOF",
     lambda v: f"{v.rstrip(chr(10))} \"{v.rstrip(chr(10))}\"\n{v}\n" if "\n" not in v.rstrip("\n") else None),  # type: ignore[return-value]
]
SHELLS = [s for s in ("/bin/sh", shutil.which("bash")) if s]

PIECES = ["a", " ", ";", "&", "|", "<", ">", "(", ")", "$", "`", "'", '"', "\\", "\n", "\t", "*", "?", "!", "#",
          "{", "}", "~", "%", "=", "EOF", "é", "$(touch PWNED)", "`touch PWNED`", "; touch PWNED", "' ; touch PWNED '",
          '" ; touch PWNED "', "\nEOF\ntouch PWNED\n", "\\'", '\\"', "%s", "%n", "\\n"]
values = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)


def wave_string(text: str) -> str:
    """``text`` as a .wave string literal, its ``${x}`` kept as interpolations."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + body + '"'


def wave_value(value: str) -> str:
    """A value as a .wave string literal holding exactly ``value`` (no interpolation)."""
    return wave_string(value.replace("${", "$${"))


def _pipeline(value: str, commands: list[str]) -> str:
    minimal = (EXAMPLES / "minimal.wave").read_text(encoding="utf-8")
    run = ", ".join(wave_string(c) for c in commands)
    return f"let x = {wave_value(value)}\n" + minimal.replace('run = "pytest -q"', f"run = [{run}]")


def _find(doc: Any, name: str) -> Iterator[dict[str, Any]]:
    if isinstance(doc, dict):
        if doc.get("name") == name and "commands" in doc:
            yield doc
        for v in doc.values():
            yield from _find(v, name)
    elif isinstance(doc, list):
        for v in doc:
            yield from _find(v, name)


def _run(shell: str, command: str, folder: Path, env: dict[str, str]) -> str:
    done = subprocess.run([shell, "-c", command], cwd=folder, env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


def _build(folder: Path, value: str, commands: list[str], target: str) -> Any:
    path = folder / "app.wave"
    path.write_text(_pipeline(value, commands), encoding="utf-8")
    result = check([path], Config(), target_constraints=False)
    assert not [d for d in result.diagnostics if d.severity is Severity.ERROR], result.diagnostics
    built = build(path, target, config=Config())
    if target == "codepipeline" and "\n" in value and any(not t.startswith("true #") for t in commands):
        # A quoted line break is a line break: a Commands action takes one-line commands only, so the build
        # refuses (WV916) rather than run something else.
        assert built.output is None
        assert {d.code for d in built.diagnostics if d.severity is Severity.ERROR} == {"WV916"}
        return None
    assert built.output is not None, built.diagnostics
    return json.loads(built.output)


def assert_inert(folder: Path, value: str) -> None:
    """Every template prints what it says for ``value``, on both targets and in every shell; nothing else runs."""
    local = [(t, e) for t, e in [*TEMPLATES, *HEREDOCS] if e(value) is not None]
    plan = _build(folder, value, [t for t, _ in local], "local")
    (node,) = [n for n in plan["nodes"] if n["kind"] == "step" and n["step"] == "unit"]
    for shell in SHELLS:
        assert _run(shell, node["command"], folder, node["environment"]) == "".join(e(value) for _, e in local)
    assert not (folder / "PWNED").exists(), node["command"]

    remote = [(t, e) for t, e in TEMPLATES if e(value) is not None]
    pipeline = _build(folder, value, [t for t, _ in remote], "codepipeline")
    if pipeline is None:
        return
    (action,) = _find(pipeline, "unit")
    assert len(action["commands"]) == len(remote)
    for shell in SHELLS:
        for command, (_, expect) in zip(action["commands"], remote, strict=True):
            assert _run(shell, command, folder, {}) == expect(value), command
    assert not (folder / "PWNED").exists(), action["commands"]


@pytest.mark.parametrize("value", [
    "a; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "it's", 'say "hi"', "back\\slash", "\\", "",
    "line\nbreak", "\nEOF\ntouch PWNED\n", "EOF", "' ; touch PWNED ; '", "${HOME}", "*", "-n",
])
def test_the_issues_values_are_data_in_every_context(tmp_path: Path, value: str) -> None:
    assert_inert(tmp_path, value)


@pytest.mark.slow  # a hypothesis search; each example builds twice and runs a dozen shells
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values)
def test_generated_values_with_shell_metacharacters_are_data(tmp_path_factory: pytest.TempPathFactory, value: str
                                                             ) -> None:
    assert_inert(tmp_path_factory.mktemp("inert"), value)


def test_an_interpolation_in_a_quoted_heredoc_is_refused(tmp_path: Path) -> None:
    # Nothing expands in `<<'EOF'`: the value could only be pasted as text, where a line `EOF` in it would end
    # the heredoc and run the rest. It is reported (WV116) and left out.
    path = tmp_path / "app.wave"
    path.write_text(_pipeline("x", ["cat <<'EOF'\n${x}\nEOF"]), encoding="utf-8")
    built = build(path, "local", config=Config())
    assert built.output is None
    assert [d.code for d in built.diagnostics if d.severity is Severity.ERROR] == ["WV116"]
