"""Project files, confined to the project root: links are resolved before every root check.

Every path ``wavec`` reads or writes — a file named on the command line, a file found in a folder, an import,
a file ``wavec fmt`` rewrites — is resolved (symbolic links followed, ``..`` applied by the operating system)
and must then lie inside the *real* project root. A link that leads out of the root is reported and never
followed: nothing outside the project is read, so no excerpt of an outside file (``/proc/self/environ``, a
credentials file) can reach a diagnostic, a SARIF upload or ``fmt`` output.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from .limits import MAX_FILE_BYTES

ROOT_MARKERS = ("pyproject.toml", "wave.toml", ".git")
"""What marks a project root: the nearest folder holding one of these."""


def absolute(path: Path) -> Path:
    """``path`` made absolute without following links (``..`` is applied to the text, as a user reads it)."""
    return Path(os.path.abspath(path))


def find_root(start: Path) -> Path:
    """The project root for a file in ``start``: the nearest folder with a root marker, else ``start``."""
    for folder in (start, *start.parents):
        if any((folder / m).exists() for m in ROOT_MARKERS):
            return folder
    return start


def project_root(path: Path) -> Path:
    """The real (links resolved) project root of a file or folder as the user named it.

    The root is searched from where the user *named* the path, not from where a link points: a link in the
    project to a file elsewhere must not take its root along.
    """
    named = absolute(path)
    start = named if named.is_dir() and not named.is_symlink() else named.parent
    return find_root(start).resolve()


def inside(real: Path, root: Path) -> bool:
    """Whether the resolved path ``real`` is ``root`` or below it (``root`` resolved too)."""
    return real == root or root in real.parents


def confined(path: Path, root: Path) -> Path | None:
    """``path`` with every link resolved, or ``None`` when that leaves ``root`` (a resolved folder)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return None
    return real if inside(real, root) else None


def read_source(path: Path) -> bytes:
    """The bytes of a regular file, at most ``MAX_FILE_BYTES + 1`` of them (enough to tell it is too large).

    A FIFO, a device or a folder is refused with ``OSError`` instead of blocking or reading without end.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)


LinkOut = Callable[[Path, bool], None]
"""Told of a link out of the root: its path as named, and whether it was named by the user (not found)."""

Excludes = Sequence[tuple[Path, Sequence[str]]]
"""``exclude`` patterns (gitignore syntax), each list with the folder its patterns are relative to."""


class Ignored:
    """What a folder walk leaves out: ``exclude`` patterns and the project's ``.gitignore`` files.

    Both use gitignore semantics (``**/gen/*.wave`` matches ``gen/a.wave``; ``build/`` a folder; ``!keep``
    re-includes), through :mod:`pathspec`, imported only when there is a pattern to match. A path is left out
    when any pattern list whose folder holds it matches it (a deeper ``.gitignore``'s ``!`` cannot re-include what
    a shallower one ignores; git does the same for a path below an ignored folder).
    """

    def __init__(self, excludes: Excludes, root: Path) -> None:
        self.root = root
        self._specs: list[tuple[str, object]] = []
        """(folder as a string ending in the separator, its patterns): plain string prefixes, because this is
        asked of every entry of every folder walked."""
        self._read: set[Path] = set()
        for base, patterns in excludes:
            self._add(base.resolve(), list(patterns))
        info = root / ".git" / "info" / "exclude"
        if info.is_file():
            self._add_file(root, info)

    def _add(self, base: Path, patterns: list[str]) -> None:
        if any(p.strip() and not p.lstrip().startswith("#") for p in patterns):
            from pathspec import GitIgnoreSpec  # only a project with patterns pays for the import

            self._specs.append((os.path.join(str(base), ""), GitIgnoreSpec.from_lines(patterns)))

    def _add_file(self, base: Path, path: Path) -> None:
        with contextlib.suppress(OSError):  # an unreadable .gitignore ignores nothing, as in git
            self._add(base, path.read_text(encoding="utf-8", errors="replace").splitlines())

    def enter(self, real_folder: Path) -> None:
        """Read the ``.gitignore`` of a folder about to be walked (and of its parents up to the root, once)."""
        if real_folder in self._read:
            return
        if real_folder.parent in self._read or real_folder == self.root:
            chain = [real_folder]  # a subfolder met in the walk: its parents are read already
        else:
            up = [real_folder, *real_folder.parents]
            chain = list(reversed(up[: up.index(self.root) + 1] if self.root in up else [real_folder]))
        for folder in chain:
            if folder not in self._read:
                self._read.add(folder)
                gitignore = folder / ".gitignore"
                if gitignore.is_file():
                    self._add_file(folder, gitignore)

    def __call__(self, real: Path, is_dir: bool) -> bool:
        """Whether the resolved path ``real`` (a folder when ``is_dir``) is left out."""
        if not self._specs:
            return False
        text = str(real)
        for prefix, spec in self._specs:
            if text.startswith(prefix):
                rel = text[len(prefix):].replace(os.sep, "/") + ("/" if is_dir else "")
                if spec.match_file(rel):  # type: ignore[attr-defined]
                    return True
        return False


def collect(paths: Iterable[Path], root: Path | None, exclude: Excludes, link_out: LinkOut) -> list[Path]:
    """The ``.wave`` files of ``paths`` (folders searched), each once, in order, links out of the root dropped.

    Folders are walked without what ``exclude`` or a ``.gitignore`` of the project leaves out; a file named
    by the user is always checked. Each path's own project root confines it; links inside the root are
    followed (each real folder walked once), links out of it are reported through ``link_out`` and skipped.
    ``root`` (the configuration's folder) is kept for callers; the patterns carry their own folders.
    """
    del root
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path, real: Path) -> None:
        if real not in seen:
            seen.add(real)
            out.append(p)

    for path in paths:
        top = project_root(path)
        if path.is_dir():
            for p, real in walk(path, top, link_out, Ignored(exclude, top)):
                add(p, real)
            continue
        named = confined(path, top)
        if named is None:
            link_out(path, True)
        else:
            add(path, named)
    return out


class Skips(Protocol):
    """What a walk asks of the paths it meets (:class:`Ignored`, or a cheaper approximation of it)."""

    def enter(self, real_folder: Path) -> None:
        """A folder is about to be walked."""

    def __call__(self, real: Path, is_dir: bool) -> bool:
        """Whether ``real`` is left out."""


def walk(folder: Path, root: Path, link_out: LinkOut, ignored: Skips) -> Iterator[tuple[Path, Path]]:
    """``(path as found, real path)`` of every ``*.wave`` file below ``folder``, sorted, without links out
    and without what ``ignored`` leaves out."""
    real_folder = confined(folder, root)
    if real_folder is None:
        link_out(folder, True)
        return
    visited = {real_folder}
    stack = [(folder, real_folder)]
    found: list[tuple[Path, Path]] = []
    while stack:
        current, real_current = stack.pop()
        ignored.enter(real_current)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, .venv) are never searched
            p = current / entry.name
            is_link = entry.is_symlink()
            if entry.is_dir(follow_symlinks=False) or (is_link and p.is_dir()):
                real = confined(p, root) if is_link else real_current / entry.name
                if real is None:
                    link_out(p, False)
                elif real not in visited and not ignored(real, True):
                    visited.add(real)
                    stack.append((p, real))
            elif entry.name.endswith(".wave"):
                real = confined(p, root) if is_link else real_current / entry.name
                if real is None:
                    link_out(p, False)
                elif real.is_file() and not ignored(real, False):
                    found.append((p, real))
    found.sort(key=lambda pr: pr[0])
    yield from found
