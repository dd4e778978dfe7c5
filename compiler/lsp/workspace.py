"""What the server holds between requests: the open buffers, each one's incremental checker, who imports whom.

Plain wavec (no pygls), so the benchmark and the tests can drive it in the process. Paths are resolved
absolute paths; a buffer's text wins over the file on disk, for the buffer itself and for every import of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..api import load_config
from ..config import Config
from ..records import record
from .incremental import FAST_MIN_CHARS, Found, Incremental, Outcome


@record(frozen=False)
class Buffer:
    """An open document: its text and the editor's version of it."""

    text: str
    version: int | None = None


class Workspace:
    """The open buffers and what was last found in each."""

    def __init__(self, min_chars: int = FAST_MIN_CHARS) -> None:
        self.buffers: dict[Path, Buffer] = {}
        self.found: dict[Path, list[Found]] = {}
        """What was last published for each buffer (code actions read it)."""
        self.last_full: dict[Path, bool] = {}
        self._checkers: dict[Path, Incremental] = {}
        self._imports: dict[Path, frozenset[Path]] = {}
        self._min_chars = min_chars

    # ------------------------------------------------------------------ buffers

    def open(self, path: Path, text: str, version: int | None = None) -> Path:
        """Hold ``text`` as the content of ``path``; returns the key the buffer is held under."""
        key = path.resolve()
        held = self.buffers.get(key)
        self.buffers[key] = Buffer(text, version)
        if held is None or held.text != text:
            self._changed(key)
        return key

    def change(self, path: Path, text: str, version: int | None = None) -> Path:
        """The buffer of ``path`` now holds ``text``."""
        return self.open(path, text, version)

    def close(self, path: Path) -> None:
        """Forget the buffer: the file on disk is what others import again."""
        key = path.resolve()
        self.buffers.pop(key, None)
        self.found.pop(key, None)
        self._checkers.pop(key, None)
        self._imports.pop(key, None)
        self._changed(key)

    def text_of(self, path: Path) -> str | None:
        """The buffer's text, else the file's, else ``None``."""
        key = path.resolve()
        buffer = self.buffers.get(key)
        if buffer is not None:
            return buffer.text
        try:
            return key.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def _changed(self, key: Path) -> None:
        """A file's text changed: the buffers importing it keep nothing of their last check."""
        for importer in self.importers(key):
            checker = self._checkers.get(importer)
            if checker is not None:
                checker.invalidate()

    def importers(self, path: Path) -> list[Path]:
        """The open buffers that import ``path`` (directly or not), by their last check."""
        key = path.resolve()
        return sorted(p for p, imported in self._imports.items() if key in imported and p != key)

    # ------------------------------------------------------------------ checks

    def config_for(self, path: Path) -> Config:
        """The configuration that applies to ``path`` (raises :class:`wavec.config.ConfigError`)."""
        return load_config(start=path.resolve().parent)

    def overlay(self) -> dict[Path, str]:
        """Every open buffer's text by its path: what checks read instead of the disk."""
        return {p: b.text for p, b in self.buffers.items()}

    def diagnose(self, path: Path, *, full: bool = False) -> Outcome:
        """The diagnostics of the buffer ``path`` (raises :class:`wavec.config.ConfigError`)."""
        key = path.resolve()
        text = self.buffers[key].text
        checker = self._checkers.setdefault(key, Incremental(path, self._min_chars))
        outcome = checker.diagnose(text, self.config_for(key), self.overlay(), full=full)
        self.adopt(key, outcome)
        return outcome

    def settle(self, path: Path) -> Callable[[], tuple[Incremental, Outcome]]:
        """A full check of the buffer as it is now, to run later (in another thread: it reads nothing the
        server changes meanwhile), on a checker of its own; :meth:`adopt_checker` makes that the buffer's if
        its text is still the one checked. Raises :class:`wavec.config.ConfigError` here, not in the thread."""
        key = path.resolve()
        checker = Incremental(path, self._min_chars)
        text, config, overlay = self.buffers[key].text, self.config_for(key), self.overlay()

        def run() -> tuple[Incremental, Outcome]:
            return checker, checker.diagnose(text, config, overlay, full=True)

        return run

    def adopt_checker(self, path: Path, checker: Incremental, outcome: Outcome) -> None:
        """Keep a checker :meth:`settle` made, with what it found."""
        key = path.resolve()
        self._checkers[key] = checker
        self.adopt(key, outcome)

    def adopt(self, key: Path, outcome: Outcome) -> None:
        """Record what a check of ``key`` found (and, after a full check, what it imports)."""
        self.found[key] = outcome.found
        self.last_full[key] = outcome.full
        if outcome.result is not None:
            self._imports[key] = frozenset(p.resolve() for p in outcome.result.imported)
