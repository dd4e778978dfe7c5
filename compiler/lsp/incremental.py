"""Incremental diagnostics of one buffer: a keystroke inside a pipeline re-checks that pipeline alone.

Parsing is four fifths of a check of a large file (a 1,000-wave file: ~750 ms of Lark of ~1 s), and a
keystroke changes one pipeline. Each pipeline's diagnostics depend on its own text and on the rest of the
file (imports, lets, gates, windows, policies: the *context*), not on the other pipelines; so after one full
check (the baseline) the diagnostics are kept per pipeline, keyed by its text, and a change that leaves the
context as it was checks a *reduced* buffer: the context and the changed pipelines, every other pipeline
replaced by its newlines (so lines, and the messages that name them, stay where they are). Offsets of the
reduced buffer map back to the buffer piece by piece.

What crosses pipelines is handled where it is known and sends the change to a full check otherwise:

* target constraints are checked only on a file without errors (as ``wavec check`` does): they are dropped
  when any pipeline has an error, and a pipeline whose kept diagnostics lack them forces a full check once
  the file is clean;
* a change of the context's comments, blank lines or spacing is not a change of the context;
* two pipelines of one name, a change of the context or of the configuration, a configuration that
  changes severities, a pipeline whose braces do not stand on lines of their own: a full check;
* the diagnostics of the context are the union of the baseline's and the reduced check's. One that only an
  unchanged-then-edited pipeline caused can linger until the next full check, which the server runs when
  typing pauses (:data:`wavec.lsp.server.SETTLE_SECONDS`), so what stays on screen is what ``wavec check``
  says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..api import CheckResult, check
from ..config import Config
from ..diagnostics import Diagnostic, Severity
from ..diagnostics.codes import codepipeline, local
from ..files import absolute
from ..records import field, record, replace
from ..semantics.loader import display_path

TARGET_CODES = frozenset(c.code for c in (*codepipeline.CODES, *local.CODES))
"""The codes a target's constraints report: only checked on a file without errors."""

FAST_MIN_CHARS = 10_000
"""Below this size (some 300 lines) a full check takes a few milliseconds more than a pipeline's: the buffer is
always checked whole."""

_SCAN = re.compile(r'[{}]|"[^"\\\n]*(?:\\.[^"\\\n]*)*("?)|#[^\n]*')  # group 1: a string's closing quote
_WORDS = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*|\n|[^\s"#]+')
_HEADER = re.compile(r"[ \t]*pipeline[ \t]+([A-Za-z_][A-Za-z0-9_]*|\"[^\"\n]*\")[ \t]*\{\Z")
_REST_OF_LINE = re.compile(r"[ \t\r]*(?:\n|\Z)")


@record
class Found:
    """One diagnostic of the buffer as the editor shows it: offsets, code, severity, message, fix.

    ``fix`` is the replacement of ``fix_start``..``fix_end`` that clears it (see
    :class:`wavec.diagnostics.model.Fix`), when the diagnostic has one in this buffer.
    """

    start: int
    end: int
    code: str
    severity: Severity
    message: str
    fix: tuple[int, int, str, str] | None = None
    """``(start, end, replacement, title)`` in the buffer."""

    def moved(self, delta: int) -> Found:
        """The same diagnostic ``delta`` characters further on."""
        fix = self.fix
        if fix is not None:
            fix = (fix[0] + delta, fix[1] + delta, fix[2], fix[3])
        return replace(self, start=self.start + delta, end=self.end + delta, fix=fix)

    def key(self) -> tuple[int, int, str, str]:
        """What orders and deduplicates diagnostics as ``wavec check`` does (within one file)."""
        return (self.start, self.end, self.code, self.message)


@record
class Pieces:
    """A buffer cut into its top-level pipelines (whole lines each) and the gaps between them."""

    chunks: tuple[tuple[int, int], ...]
    names: tuple[str, ...]

    def meanings(self, text: str) -> tuple[str, ...]:
        """The gaps as the parser reads them: comments, blank lines and spacing left out."""
        return tuple(_meaning(gap) for gap in self.gaps(text))

    def gaps(self, text: str) -> tuple[str, ...]:
        """The text around the pipelines, in order (one more than there are pipelines)."""
        out, at = [], 0
        for start, end in self.chunks:
            out.append(text[at:start])
            at = end
        out.append(text[at:])
        return tuple(out)


def split(text: str) -> Pieces | None:
    """The pipelines of ``text`` at the top level, or ``None`` when the buffer cannot be cut safely (an
    unbalanced brace, a pipeline header or closing brace sharing its line with something else)."""
    chunks: list[tuple[int, int]] = []
    names: list[str] = []
    depth = 0
    opened = 0
    for m in _SCAN.finditer(text):
        tok = m.group()
        if tok == "{":
            if depth == 0:
                line = text.rfind("\n", 0, m.start()) + 1
                header = _HEADER.match(text, line, m.end())
                opened = line if header is not None else -1
                if header is not None:
                    names.append(header.group(1).strip('"'))
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0 and opened >= 0:
                rest = _REST_OF_LINE.match(text, m.end())
                if rest is None:
                    return None
                chunks.append((opened, rest.end()))
        elif tok[0] == '"' and not m.group(1):
            return None  # an unterminated string: the scan cannot tell code from text
    if depth != 0:
        return None
    return Pieces(tuple(chunks), tuple(names))


def resplit(old: str, pieces: Pieces, new: str) -> Pieces | None:
    """:func:`split` of ``new``, an edit of ``old`` (cut into ``pieces``), scanning only what changed: the
    pipelines and gaps before the edit are where they were, those after it moved by the change of length, and
    the run between is cut anew (``None`` when that run cannot be, e.g. while a brace is unbalanced)."""
    edges = [0]
    for start, end in pieces.chunks:
        edges += [start, end]
    edges.append(len(old))
    # Pieces alternate gap, pipeline, gap, …: piece i is old[edges[i]:edges[i + 1]].
    count = len(edges) - 1
    delta = len(new) - len(old)
    first = 0
    while first < count and new.startswith(old[edges[first] : edges[first + 1]], edges[first]) \
            and edges[first + 1] <= len(new):
        first += 1
    last = count - 1
    while last >= first and edges[last] + delta >= edges[first] \
            and new.startswith(old[edges[last] : edges[last + 1]], edges[last] + delta):
        last -= 1
    if first > last:
        return split(new) if new != old else pieces
    start, end = edges[first], edges[last + 1] + delta
    if 0 < end < len(new) and new[end - 1] != "\n":
        return None  # the edit joined the lines around the end of the run: the cut is not at a line start
    region = split(new[start:end])
    if region is None:
        return None
    before = [(s, e) for s, e in pieces.chunks if e <= start]
    after = [(s + delta, e + delta) for s, e in pieces.chunks if s >= edges[last + 1]]
    kept_after = pieces.names[len(pieces.names) - len(after) :]
    names = [*pieces.names[: len(before)], *region.names, *kept_after]
    return Pieces(tuple([*before, *((s + start, e + start) for s, e in region.chunks), *after]), tuple(names))


@record(frozen=False)
class _Chunk:
    found: list[Found]
    """Offsets from the start of the pipeline."""
    targets_checked: bool
    """Whether the target constraints were checked when these were found (no error in that check)."""
    hidden_error: bool
    """An error the configuration's ``ignore`` hides: still skips the target constraints."""


@record(frozen=False)
class _Baseline:
    config: Config
    pieces: Pieces
    gaps: tuple[str, ...]
    meanings: tuple[str, ...]
    context: list[tuple[int, Found]]
    """Each diagnostic of the context as (gap index, offset from the gap's start)."""
    chunks: dict[str, _Chunk]
    context_hidden_error: bool
    text: str
    found: list[Found] = field(default_factory=list)


@record(frozen=False)
class Outcome:
    """The diagnostics of a buffer, sorted, and whether the whole buffer was checked for them."""

    found: list[Found]
    full: bool
    result: CheckResult | None = None
    """The check's result (imports, modules) when this was a full check."""


class Incremental:
    """The diagnostics of one file, kept between changes; one instance per open buffer."""

    def __init__(self, path: Path, min_chars: int = FAST_MIN_CHARS) -> None:
        self.path = path
        self.shown = display_path(absolute(path))
        self.min_chars = min_chars
        self._base: _Baseline | None = None
        self.last_full = False

    def invalidate(self) -> None:
        """Forget what was kept: an import or the configuration changed, the next check is a full one."""
        self._base = None

    def diagnose(self, text: str, config: Config, overlay: Mapping[Path, str] | None = None,
                 full: bool = False) -> Outcome:
        """The diagnostics of ``text`` as ``wavec check`` reports them for this file (other files' ones left
        out); ``full`` forces a check of the whole buffer."""
        base = self._base
        pieces = None
        if len(text) >= self.min_chars and not full:
            pieces = resplit(base.text, base.pieces, text) if base is not None else None
            pieces = pieces if pieces is not None else split(text)
        if base is not None and pieces is not None and self._fast_allowed(base, config, pieces, text):
            outcome = self._fast(base, config, pieces, text, overlay)
            if outcome is not None:
                return outcome
        return self._full(text, config, pieces or split(text), overlay)

    # ------------------------------------------------------------------ internals

    def _fast_allowed(self, base: _Baseline, config: Config, pieces: Pieces, text: str) -> bool:
        return (config == base.config and not config.severity and len(set(pieces.names)) == len(pieces.names)
                and pieces.meanings(text) == base.meanings)

    def _run(self, text: str, config: Config, overlay: Mapping[Path, str] | None) -> CheckResult:
        unsaved = dict(overlay or {})
        unsaved[self.path.resolve()] = text
        return check([self.path], config, unsaved=unsaved)

    def _mine(self, result: CheckResult) -> tuple[list[Found], list[int]]:
        """This file's diagnostics, and the offsets of the errors ``ignore`` hid."""
        found = [_found(d) for d in result.diagnostics if _here(d, self.shown)]
        hidden = [d.primary.start for d in (s.diagnostic for s in result.suppressions if s.kind == "external")
                  if d.primary is not None and _here(d, self.shown) and d.severity is Severity.ERROR]
        return found, hidden

    def _full(self, text: str, config: Config, pieces: Pieces | None, overlay: Mapping[Path, str] | None
              ) -> Outcome:
        result = self._run(text, config, overlay)
        found, hidden = self._mine(result)
        self.last_full = True
        if pieces is None or len(set(pieces.names)) != len(pieces.names):
            self._base = None
            return Outcome(found, True, result)
        errors = _blocks_targets(found) or bool(hidden)
        gaps = pieces.gaps(text)
        chunks = {text[s:e]: _Chunk([], not errors, False) for s, e in pieces.chunks}
        context: list[tuple[int, Found]] = []
        context_hidden = False
        starts = _gap_starts(pieces, text)
        for f in found:
            where = _where(pieces, f.start)
            if where[0] == "chunk":
                s, e = pieces.chunks[where[1]]
                chunks[text[s:e]].found.append(f.moved(-s))
            else:
                context.append((where[1], f.moved(-starts[where[1]])))
        for at in hidden:
            where = _where(pieces, at)
            if where[0] == "chunk":
                s, e = pieces.chunks[where[1]]
                chunks[text[s:e]].hidden_error = True
            else:
                context_hidden = True
        self._base = _Baseline(config, pieces, gaps, pieces.meanings(text), context, chunks, context_hidden, text,
                               found)
        return Outcome(found, True, result)

    def _fast(self, base: _Baseline, config: Config, pieces: Pieces, text: str,
              overlay: Mapping[Path, str] | None) -> Outcome | None:
        if text == base.text:
            self.last_full = False
            return Outcome(list(base.found), False)
        texts = [text[s:e] for s, e in pieces.chunks]
        changed = [i for i, chunk in enumerate(texts) if chunk not in base.chunks]
        # The reduced buffer: gaps and changed pipelines as they are, the others as their newlines only.
        parts: list[str] = []
        segments: list[tuple[int, int, int]] = []  # (reduced start, buffer start, length) of kept text
        reduced_at = 0
        at = 0
        for i, (s, e) in enumerate(pieces.chunks):
            keep_end = e if i in changed else s
            segments.append((reduced_at, at, keep_end - at))
            parts.append(text[at:keep_end])
            reduced_at += keep_end - at
            if i not in changed:
                lines = "\n" * texts[i].count("\n")
                parts.append(lines)
                reduced_at += len(lines)
            at = e
        segments.append((reduced_at, at, len(text) - at))
        parts.append(text[at:])
        result = self._run("".join(parts), config, overlay)
        found_r, hidden_r = self._mine(result)
        starts = _gap_starts(pieces, text)
        merged: dict[tuple[int, int, str, str], Found] = {}
        hidden_error = base.context_hidden_error
        new_context: list[tuple[int, Found]] = []
        gaps = pieces.gaps(text)
        for gap, f in base.context:
            if gaps[gap] != base.gaps[gap]:
                continue  # a comment or blank line changed there: the reduced check finds that gap's own again
            moved = f.moved(starts[gap])
            merged[moved.key()] = moved
            new_context.append((gap, f))
        fresh: dict[int, _Chunk] = {i: _Chunk([], True, False) for i in changed}
        reduced_errors = _blocks_targets(found_r) or bool(hidden_r)
        for f in found_r:
            real = _to_buffer(segments, f)
            if real is None:
                return None  # a diagnostic where a pipeline was left out: cannot place it
            where = _where(pieces, real.start)
            if where[0] == "chunk":
                if where[1] not in fresh:
                    return None
                fresh[where[1]].found.append(real.moved(-pieces.chunks[where[1]][0]))
            else:
                if real.key() not in merged:
                    new_context.append((where[1], real.moved(-starts[where[1]])))
                merged[real.key()] = real
        for at_r in hidden_r:
            real_at = _offset_to_buffer(segments, at_r)
            where = _where(pieces, real_at) if real_at is not None else ("gap", 0)
            if where[0] == "chunk" and where[1] in fresh:
                fresh[where[1]].hidden_error = True
            else:
                hidden_error = True
        for chunk in fresh.values():
            chunk.targets_checked = not reduced_errors
        entries: list[tuple[int, _Chunk]] = []
        for i, (s, _e) in enumerate(pieces.chunks):
            entries.append((s, fresh[i] if i in fresh else base.chunks[texts[i]]))
        for s, chunk in entries:
            for f in chunk.found:
                moved = f.moved(s)
                merged[moved.key()] = moved
        found = [merged[k] for k in sorted(merged)]
        errors = hidden_error or _blocks_targets(found) or any(c.hidden_error for _, c in entries)
        if errors:
            found = [f for f in found if f.code not in TARGET_CODES]
        elif not all(c.targets_checked for _, c in entries):
            return None  # the file is clean now, and some pipeline's constraints were never checked
        kept = {texts[i]: c for i, (_, c) in enumerate(entries)}
        self._base = _Baseline(config, pieces, gaps, base.meanings, new_context, kept, hidden_error, text, found)
        self.last_full = False
        return Outcome(found, False)


def _meaning(gap: str) -> str:
    """A gap's words and strings with single spaces, its line ends kept once (they end statements)."""
    words: list[str] = []
    for m in _WORDS.finditer(gap):
        word = m.group()
        if word[0] == "#" or (word == "\n" and (not words or words[-1] == "\n")):
            continue
        words.append(word)
    return " ".join(words).strip("\n ")


def _blocks_targets(found: Iterable[Found]) -> bool:
    """Whether an error stops the target constraints being checked (one found before them, not by them)."""
    return any(f.severity is Severity.ERROR and f.code not in TARGET_CODES for f in found)


def _here(d: Diagnostic, shown: str) -> bool:
    return d.primary is not None and d.primary.file.path == shown


def _found(d: Diagnostic) -> Found:
    span = d.primary
    assert span is not None
    fix = getattr(d, "fix", None)
    edit = None
    if fix is not None and fix.span.file is span.file:
        edit = (fix.span.start, fix.span.end, fix.replacement, fix.title)
    return Found(span.start, span.end, d.code, d.severity, d.message, edit)


def _gap_starts(pieces: Pieces, text: str) -> list[int]:
    return [0, *(e for _s, e in pieces.chunks)]


def _where(pieces: Pieces, offset: int) -> tuple[str, int]:
    """Which pipeline (``("chunk", i)``) or gap (``("gap", i)``) an offset is in."""
    for i, (s, e) in enumerate(pieces.chunks):
        if offset < s:
            return ("gap", i)
        if offset < e:
            return ("chunk", i)
    return ("gap", len(pieces.chunks))


def _offset_to_buffer(segments: Iterable[tuple[int, int, int]], offset: int) -> int | None:
    for reduced, real, length in segments:
        if reduced <= offset <= reduced + length:
            return real + offset - reduced
    return None


def _to_buffer(segments: list[tuple[int, int, int]], f: Found) -> Found | None:
    start = _offset_to_buffer(segments, f.start)
    if start is None:
        return None
    return f.moved(start - f.start)
