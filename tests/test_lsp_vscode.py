"""The VS Code extension packages: `npx @vscode/vsce package` in a copy of editors/vscode makes a .vsix without
a warning, holding the bundled client, the grammar and the language configuration. It needs npm and its
registry (the client library, esbuild and vsce are fetched); without them the test says why it did not run."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "editors" / "vscode"
VSCE = "@vscode/vsce@3"


def _npm_reachable() -> str | None:
    """Why npm cannot be used here, or ``None`` when it can."""
    if shutil.which("npm") is None or shutil.which("npx") is None:
        return "npm is not installed"
    try:
        done = subprocess.run(["npm", "ping"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "the npm registry did not answer within 30 s"
    return None if done.returncode == 0 else f"the npm registry is not reachable: {done.stderr.strip()[-200:]}"


def test_the_extension_starts_the_server_with_a_setting_for_the_command() -> None:
    package = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    setting = package["contributes"]["configuration"]["properties"]["wave.server.command"]
    assert setting["default"] == ["wavec", "lsp"]
    assert package["activationEvents"] == ["onLanguage:wave"] and package["repository"]["url"]
    assert "Apache License" in (EXTENSION / "LICENSE").read_text(encoding="utf-8")
    source = (EXTENSION / "extension.js").read_text(encoding="utf-8")
    assert 'get("server.command"' in source and "new LanguageClient(" in source


@pytest.mark.slow
def test_vsce_packages_the_extension_without_warnings(tmp_path: Path) -> None:
    why = _npm_reachable()
    if why is not None:
        pytest.skip(f"vsce package not run: {why}")
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns("node_modules", "dist", "*.vsix"))
    installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=work, capture_output=True, text=True,
                               timeout=600)
    assert installed.returncode == 0, installed.stderr
    packaged = subprocess.run(["npx", "--yes", VSCE, "package", "-o", "wave.vsix"], cwd=work, capture_output=True,
                              text=True, timeout=600)
    output = packaged.stdout + packaged.stderr
    assert packaged.returncode == 0, output
    assert "WARNING" not in output, output
    names = set(zipfile.ZipFile(work / "wave.vsix").namelist())
    assert {"extension/dist/extension.js", "extension/syntaxes/wave.tmLanguage.json",
            "extension/language-configuration.json", "extension/LICENSE.txt", "extension/package.json"} <= names
    assert not any(n.startswith("extension/node_modules/") for n in names)
