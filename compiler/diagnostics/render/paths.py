"""Where a finding's file is for CI: relative to the repository root, whatever the working directory.

GitHub resolves the files of SARIF results and of workflow-command annotations against the checkout (the
repository root), not against the folder ``wavec`` ran in; text and JSON output keep the paths the user
typed (relative to the working directory). The repository root is the nearest folder with ``.git``; without
one, the project root (the nearest folder with ``pyproject.toml`` or ``wave.toml``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from ...records import record
from ...source import SourceFile
from ..model import Diagnostic

# The uriBaseId of files in the repository, the one GitHub's upload-sarif action resolves against the checkout.
SRCROOT = "%SRCROOT%"
# The uriBaseId of the standard library's modules (shipped with wavec, in no repository).
STDLIB = "WAVEC_STDLIB"

_PROJECT_MARKERS = ("pyproject.toml", "wave.toml")


def repository_root(start: Path) -> Path:
    """The git root above ``start`` (a file or folder), else its project root, else ``start``'s folder."""
    here = Path(os.path.abspath(start))
    folder = here if here.is_dir() else here.parent
    chain = (folder, *folder.parents)
    for candidate in chain:
        if (candidate / ".git").exists():  # a folder, or the file of a worktree or submodule
            return _real(candidate)
    for candidate in chain:
        if any((candidate / m).is_file() for m in _PROJECT_MARKERS):
            return _real(candidate)
    return _real(folder)


def findings_root(diagnostics: Sequence[Diagnostic]) -> Path:
    """The repository root of the first finding's file (of the working directory when none has a file)."""
    files = (d.primary.file.origin for d in diagnostics if d.primary is not None)
    first = next((f for f in files if f and not f.startswith(("std:", "text:"))), None)
    return repository_root(Path(first) if first else Path.cwd())


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


@record
class ArtifactPath:
    """A file as CI names it: ``path`` relative to ``base`` (``SRCROOT``/``STDLIB``), or absolute (``base`` None)."""

    path: str
    base: str | None

    @property
    def uri(self) -> str:
        """The RFC 3986 URI reference: a relative reference (each segment percent-encoded, so ``:`` in a first
        segment cannot read as a scheme), or a ``file://`` URI for a file outside the repository."""
        encoded = quote(self.path, safe="/")
        return encoded if self.base is not None else "file://" + encoded


def artifact_path(src: SourceFile, root: Path) -> ArtifactPath:
    """The path of ``src`` relative to the repository ``root`` (a resolved folder)."""
    origin = src.origin or src.path
    if origin.startswith("std:"):
        return ArtifactPath(src.path, STDLIB)
    if origin.startswith("text:"):
        origin = origin.removeprefix("text:")
        if origin.startswith("<"):  # `<stdin>`, `<std/…>`: no file
            return ArtifactPath(origin, SRCROOT)
    # Made absolute without following links: a link out of the project (WV021) is named where it lies.
    named = Path(os.path.abspath(origin))
    for candidate in (named, _real(named.parent) / named.name):
        try:
            return ArtifactPath(candidate.relative_to(root).as_posix(), SRCROOT)
        except ValueError:
            continue
    return ArtifactPath(named.as_posix(), None)
