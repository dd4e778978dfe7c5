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


def importers(files: Sequence[Path], excludes: Excludes = ()) -> list[Path]:
    """The project files that import any of ``files`` directly or transitively, not counting ``files``
    themselves, sorted; each file's project is the nearest folder with ``pyproject.toml``, ``wave.toml`` or
    ``.git`` (as for imports)."""
    wanted = {f.resolve(): f for f in files}
    out: dict[Path, Path] = {}
    for root in sorted({project_root(f) for f in files}):
        imported_by: dict[Path, list[tuple[Path, Path]]] = {}
        for shown, real in walk(root, root, lambda _p, _named: None, Ignored(excludes, root)):
            try:
                with open(real, "rb") as f:
                    data = f.read(MAX_FILE_BYTES)
            except OSError:
                continue  # `check` reports an unreadable file it is asked about; the index just skips it
            if b"import" not in data:
                continue
            for target in imported_paths(data, real.parent):
                imported_by.setdefault(target, []).append((shown, real))
        queue = [r for r in wanted if r == root or root in r.parents]
        seen = set(queue)
        while queue:
            for shown, real in imported_by.get(queue.pop(), []):
                if real not in seen:
                    seen.add(real)
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
