"""The project files that import a file, directly or through other files: a cheap index of ``import`` lines.

``wavec check shared/gates.wave`` (a pre-commit hook given only the staged files) must also check the files
that import ``shared/gates.wave``, or a change that breaks them passes the hook. Finding them does not parse
the project: every ``.wave`` file of the project root (walked as ``wavec check DIR`` walks: hidden folders,
``exclude`` and ``.gitignore`` left out) is read and only its lines starting with ``import "./…"`` or
``import "../…"`` are looked at, resolved as the loader resolves them (relative to the importing file,
``.wave`` added when missing). Standard-library imports never point into the project and are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from .files import Excludes, Ignored, project_root, walk
from .limits import MAX_FILE_BYTES

_IMPORT = re.compile(rb'^[ \t]*import[ \t]+"(\.\.?/[^"\n]*)"', re.MULTILINE)


def imported_paths(text: bytes, folder: Path) -> list[Path]:
    """The project paths the ``import`` lines of a file in ``folder`` name (``.wave`` added when missing)."""
    out = []
    for match in _IMPORT.finditer(text):
        spec = match.group(1).decode("utf-8", "replace")
        target = Path(os.path.normpath(folder / spec))
        target = target if target.suffix == ".wave" else target.with_name(target.name + ".wave")
        out.append(target.resolve())  # links resolved, as the loader confines them
    return out


class _PlainNames:
    """A cheap, conservative stand-in for :class:`~wavec.files.Ignored` while indexing: it leaves out only
    what a ``.gitignore`` names by a plain name (``build/``, ``/dist``, ``node_modules``: no wildcard, no inner
    slash) in a file without ``!`` re-includes — so the walk skips the big ignored folders without importing
    pathspec; everything it lets through that the index retains is then asked of the real patterns."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._read: set[Path] = set()
        self._names: list[tuple[str, Path, set[str], set[str]]] = []
        """(folder prefix, folder, names ignored at any depth below it, names ignored only in it)."""

    def enter(self, real_folder: Path) -> None:
        if real_folder in self._read:
            return
        up = [real_folder, *real_folder.parents]
        chain = list(reversed(up[: up.index(self.root) + 1] if self.root in up else [real_folder]))
        for folder in chain:
            if folder in self._read:
                continue
            self._read.add(folder)
            try:
                lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
            if any(p.startswith("!") for p in patterns):
                continue  # a re-include: leave this file's decisions to the real patterns
            anywhere: set[str] = set()
            here: set[str] = set()
            for p in patterns:
                body = p.strip("/")
                if not body or any(c in body for c in "*?[\\/"):
                    continue
                (here if p.startswith("/") else anywhere).add(body)
            if anywhere or here:
                self._names.append((os.path.join(str(folder), ""), folder, anywhere, here))

    def __call__(self, real: Path, is_dir: bool) -> bool:
        text, name = str(real), real.name
        return any(text.startswith(prefix) and (name in anywhere or (name in here and real.parent == folder))
                   for prefix, folder, anywhere, here in self._names)


def _left_out(real: Path, root: Path, ignored: Ignored) -> bool:
    """Whether the real patterns leave ``real`` (a file below ``root``) or one of its folders out."""
    folders = [d for d in real.parents if d == root or root in d.parents]
    for folder in reversed(folders):
        ignored.enter(folder)
        if folder != root and ignored(folder, True):
            return True
    return ignored(real, False)


def importers(files: Sequence[Path], excludes: Excludes = ()) -> list[Path]:
    """The project files that import any of ``files`` directly or transitively, not counting ``files``
    themselves, sorted; each file's project is the nearest folder with ``pyproject.toml``, ``wave.toml`` or
    ``.git`` (as for imports). Files ``exclude`` or a ``.gitignore`` leaves out neither count nor pass an
    import on."""
    wanted = {f.resolve(): f for f in files}
    out: dict[Path, Path] = {}
    for root in sorted({project_root(f) for f in files}):
        imported_by: dict[Path, list[tuple[Path, Path]]] = {}
        for shown, real in walk(root, root, lambda _p, _named: None, _PlainNames(root)):
            try:
                with open(real, "rb") as f:
                    data = f.read(MAX_FILE_BYTES)
            except OSError:
                continue  # `check` reports an unreadable file it is asked about; the index just skips it
            if b"import" not in data:
                continue
            for target in imported_paths(data, real.parent):
                imported_by.setdefault(target, []).append((shown, real))
        ignored: Ignored | None = None  # the real patterns, read (and pathspec imported) only for a candidate
        queue = [r for r in wanted if r == root or root in r.parents]
        seen = set(queue)
        while queue:
            for shown, real in imported_by.get(queue.pop(), []):
                if real in seen:
                    continue
                seen.add(real)
                ignored = ignored or Ignored(excludes, root)
                if real not in wanted and _left_out(real, root, ignored):
                    continue
                queue.append(real)
                if real not in wanted:
                    out[real] = _relative(shown)
    return sorted(out.values())


def _relative(path: Path) -> Path:
    """``path`` relative to the working directory when it is below it (as a user would name it)."""
    try:
        return path.relative_to(Path.cwd().resolve())  # `path` is resolved: so must the folder be
    except ValueError:
        return path
