"""Output is byte-identical across processes and PYTHONHASHSEED values.

One corpus — the examples, a generated multi-pipeline project, a file full of mistakes and
deterministic byte mutations of the examples — is checked in fresh interpreters with different hash
seeds; every format of `wavec check` (text, json, sarif, github) and, for every target present on
this checkout, every format of `wavec build` must come out identical. Set and dict iteration order
is what a hash seed changes, so this is where unsorted output shows.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import write_project

pytestmark = pytest.mark.slow  # one fresh interpreter per hash seed

SEEDS = ("0", "1", "random")

# Many findings at once: unknown attributes and blocks (did-you-mean over sets of names), wrong types,
# unresolved references, duplicates, an `after` cycle, unknown interpolations, regions and time zones.
MISTAKES = """\
import "std/windows"
import "std/nope"
let home = "us-east-1"
pipeline broken {
  role = 42
  artifacts = "b-${regoin}"
  execution_mode = fast
  source github { repo = "a/b" }
  stage build { step compile { run = "make"  kind = compile  after = [nothing] } }
  stage test { after = [deploy_stage]  step unit { run = "x" } step unit { run = "y" } }
  gate health { alarms = "x"  on_breach = explode  interval = 5 }
  window hours { days = [mon, funday]  hours = [09:00]  timezone = "Mars/Olympus" }
  wave a { regions = ["us-east-1", "moon-1"]  gates = [helth]  after = [c]  windows = [windows.bussiness_hours] }
  wave b { regions = []  after = [a]  exposure = 5  bake = 10 }
  wave c { regionz = [home]  after = [b]  parallel = "2" }
  stagee x { }
}
"""

SCRIPT = """\
import contextlib, importlib.util, io, json, sys
from pathlib import Path
from wavec.api import build, check
from wavec.cli import main
from wavec.config import Config
from wavec.targets import TARGETS, get_target

files = sorted(sys.argv[1:])
out = {"check": {}, "build": {}}
for fmt in ("text", "json", "sarif", "github"):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", "--format", fmt, *files])
    out["check"][fmt] = [code, buf.getvalue()]
for name in sorted(TARGETS):
    if importlib.util.find_spec("wavec.targets." + TARGETS[name]) is None:
        continue
    target = get_target(name)
    for fmt in target.formats:
        for path in files:
            for pipeline in check([Path(path)], Config()).pipelines:
                result = build(path, name, fmt, pipeline.name, Config())
                key = f"{name}/{fmt}/{path}/{pipeline.name}"
                out["build"][key] = result.output
json.dump(out, sys.stdout, sort_keys=True)
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("determinism")
    write_project(folder, 20, "org")
    for example in sorted(EXAMPLES.glob("*.wave")):
        shutil.copy(example, folder / example.name)
    (folder / "mistakes.wave").write_text(MISTAKES, encoding="utf-8")
    rng = random.Random(8)
    for example in sorted(EXAMPLES.glob("*.wave")):
        data = bytearray(example.read_bytes())
        for _ in range(6):
            i = rng.randrange(len(data))
            del data[i:i + rng.randrange(1, 30)]
        (folder / f"mutated-{example.name}").write_bytes(bytes(data))
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.wave"))
    return folder, files


def _run(folder: Path, files: list[str], seed: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *files], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_outputs_identical_across_hash_seeds(corpus: tuple[Path, list[str]]) -> None:
    folder, files = corpus
    runs = {seed: _run(folder, files, seed) for seed in SEEDS}
    first = runs[SEEDS[0]]
    # The corpus is not vacuous: the mistakes file and the mutations produce many findings.
    findings = json.loads(first["check"]["json"][1])
    assert first["check"]["json"][0] == 1
    assert len(findings) >= 15
    assert {f["file"] for f in findings} >= {"mistakes.wave", "mutated-checkout.wave"}
    for seed in SEEDS[1:]:
        for fmt, (code, text) in first["check"].items():
            assert runs[seed]["check"][fmt] == [code, text], f"check --format {fmt} differs with PYTHONHASHSEED={seed}"
        assert runs[seed]["build"] == first["build"], f"build output differs with PYTHONHASHSEED={seed}"
    # Nothing machine-specific: no absolute path of the project or of the checkout.
    text = json.dumps(first)
    assert str(folder) not in text
    assert str(ROOT) not in text
