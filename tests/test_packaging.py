"""The distributions PyPI would get: built once with `python -m build`, checked as twine checks them, the wheel
installed with no extra in a fresh venv, and the sdist carrying a test suite that runs.

Offline by design: the build uses this environment's setuptools (no isolation), the fresh venv gets the wheel
with ``--no-deps`` and sees only wavec's base dependencies, taken from this environment — a folder of links to
exactly the distributions the wheel's ``Requires-Dist`` (no extra) pulls in, found through a ``.pth`` file. So
botocore, boto3, moto and the rest of the test environment are absent there, as after ``pip install wavec``.
"""

from __future__ import annotations

import email.parser
import importlib.metadata as md
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import ROOT, Dists

pytestmark = pytest.mark.slow  # builds the sdist and the wheel, and a virtual environment

WAVE = """import "std/windows"

pipeline hello {
  role      = "arn:aws:iam::111122223333:role/hello-pipeline"
  artifacts = "hello-artifacts-${region}"
  source s3 { bucket = "hello-source"  key = "hello.zip" }
  deploy { local { run = "echo deploy"  rollback = "echo rollback" } }
  wave only { regions = ["eu-west-1"]  windows = [windows.business_hours] }
}
"""


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(z.read(name).decode("utf-8"))


def test_build_is_warning_free_and_twine_check_strict_passes(dists: Dists) -> None:
    warnings = [line for line in dists.log.splitlines() if "warn" in line.lower()]
    assert not warnings, warnings
    proc = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(dists.sdist), str(dists.wheel)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_metadata_is_what_pypi_shows(dists: Dists) -> None:
    meta = _metadata(dists.wheel)
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    with zipfile.ZipFile(dists.wheel) as z:
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in z.namelist())
    assert meta["Author"] or meta["Author-email"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert urls["Source"] == "https://github.com/wavec/wavec" and "Issues" in urls
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.11" in classifiers
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"aws", "emulate", "lsp", "test"} <= extras and "docs" not in extras  # no empty extra
    base = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    base_names = {r.name for r in base if r.marker is None or r.marker.evaluate({"extra": ""})}
    assert not base_names & {"boto3", "botocore", "moto", "pygls", "jmespath"}, base_names
    aws = {r.name for r in base if r.marker is not None and r.marker.evaluate({"extra": "aws"})}
    assert {"boto3", "botocore"} <= aws
    # README links work on PyPI: no relative link is left in the long description.
    body = meta.get_payload()
    assert isinstance(body, str) and "](https://github.com/wavec/wavec/blob/main/docs/cli.md)" in body
    assert "](docs/" not in body and "](examples/" not in body


def _closure(requirements: list[Requirement]) -> list[md.Distribution]:
    """The distributions of this environment that ``requirements`` (no extra) pull in, transitively."""
    seen: dict[str, md.Distribution] = {}
    todo = list(requirements)
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = req.name.lower().replace("_", "-")
        if key in seen:
            continue
        dist = seen[key] = md.distribution(req.name)
        todo += [Requirement(r) for r in dist.requires or []]
    return list(seen.values())


@pytest.fixture(scope="session")
def small_venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the wheel and wavec's base dependencies only; its ``bin`` folder."""
    root = tmp_path_factory.mktemp("small")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False, clear=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", "--disable-pip-version-check", str(dists.wheel)],
                   check=True, timeout=300)
    base = [Requirement(r) for r in _metadata(dists.wheel).get_all("Requires-Dist") or []]
    links = root / "base-deps"
    links.mkdir()
    for dist in _closure(base):
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            target = Path(str(dist.locate_file(top)))
            if target.exists() and not (links / top).exists():
                (links / top).symlink_to(target)
    site = subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "wavec-base-deps.pth").write_text(f"{links}\n", encoding="utf-8")
    return bin_dir


def _run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    (folder / "wave.toml").write_text("", encoding="utf-8")
    (folder / "hello.wave").write_text(WAVE, encoding="utf-8")
    (folder / "typo.wave").write_text(WAVE.replace("eu-west-1", "eu-wset-1"), encoding="utf-8")
    return folder


def test_wheel_without_extras_checks_and_imports_no_aws_sdk(small_venv: Path, project: Path) -> None:
    proc = _run(small_venv, "wavec", "check", "hello.wave", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed (1 file)." in proc.stdout
    # The AWS SDK is not there at all, yet regions are known (the list wavec ships): a typo is caught.
    probe = ("import importlib.util, sys\n"
             "from wavec.cli.app import main\n"
             "code = main(['check', 'typo.wave'])\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'moto', 'jinja2'})\n"
             "print('installed', [n for n in ('boto3', 'botocore') if importlib.util.find_spec(n)])\n"
             "print('imported', heavy, 'exit', code)\n")
    proc = _run(small_venv, "python", "-c", probe, cwd=project)
    assert "installed []" in proc.stdout, proc.stdout + proc.stderr
    assert "imported [] exit 1" in proc.stdout, proc.stdout + proc.stderr
    assert "eu-wset-1" in proc.stdout and "eu-west-1" in proc.stdout  # unknown region, and the suggestion
    where = _run(small_venv, "python", "-c", "import wavec; print(wavec.__file__)", cwd=project).stdout
    assert str(small_venv.parent) in where


@pytest.mark.parametrize("command", [("deploy", "hello.wave"), ("build", "hello.wave", "--target", "codepipeline"),
                                     ("run", "hello.wave", "--aws")])
def test_commands_that_need_the_aws_sdk_name_the_extra(small_venv: Path, project: Path,
                                                       command: tuple[str, ...]) -> None:
    proc = _run(small_venv, "wavec", *command, cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pip install 'wavec[aws]'" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"wavec {command[0]}: error: "), proc.stderr


def test_sdist_holds_the_repository_and_its_tests_run(dists: Dists, tmp_path: Path) -> None:
    with tarfile.open(dists.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        tar.extractall(tmp_path, filter="data")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.split()
    missing = sorted(set(tracked) - names - {".gitignore"})
    assert not missing, f"left out of the sdist: {missing[:20]}"
    assert not any("__pycache__" in n for n in names)
    (unpacked,) = tmp_path.glob("wavec-*")
    # The tests run there: their conftest, fixtures and snapshots are inside (every tracked file is, above); a
    # small subset keeps this cheap (fixtures compared with their inline markers and snapshots).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # `-n 0`: two tests need no workers (the sdist's addopts start 4).
    proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider",
                           "tests/test_fixtures.py", "-k", "WV001 or WV101"],
                          cwd=unpacked, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # Both tests compare a snapshot, and syrupy fails one whose snapshot is missing: two passes are the proof
    # (its own report line is not printed in every environment, so it is not what is read).
    assert "2 passed" in proc.stdout, proc.stdout[-2000:]
    assert (unpacked / "tests" / "__snapshots__" / "test_fixtures.ambr").is_file()


def test_pre_commit_snippets_name_this_repository_and_release() -> None:
    # The hooks the docs tell users to add exist, under the one repository URL, at the release's tag.
    from wavec import __version__

    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    ids = {line.split(":", 1)[1].strip() for line in hooks.splitlines() if line.startswith("- id:")}
    for doc in ("cli.md", "authoring.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        snippet = text[text.index("repos:"):].split("```", 1)[0]
        assert "repo: https://github.com/wavec/wavec\n" in snippet, (doc, snippet)
        assert f"rev: v{__version__}\n" in snippet, (doc, snippet)
        used = {line.split(":", 1)[1].strip() for line in snippet.splitlines() if line.strip().startswith("- id:")}
        assert used and used <= ids, (doc, used - ids)
