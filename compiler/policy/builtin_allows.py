"""``allow CODE "reason"`` for the built-in codes a project may have to accept (``codes.ALLOWABLE``).

Policy rules are suppressed by the engine as it evaluates them; a built-in finding is already in the sink
when the check is over, so it is matched here to the blocks that hold it: an ``allow`` of its code in the
innermost enclosing block that has one (a wave, stage, step, gate, window, deploy profile, the pipeline, or
the file's top level) suppresses it. WV128 (a secret in plain text) is matched by the loader, which knows
the string that holds it, and is not handled here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..diagnostics import Diagnostic
from ..diagnostics.codes import builtin as codes
from ..semantics import ir
from ..source import Span
from .findings import Suppression

_HERE = codes.ALLOWABLE - {codes.SECRET_IN_PLAIN_TEXT.code}


def _blocks(module: ir.Module) -> Iterator[tuple[Span, tuple[ir.Allow, ...]]]:
    yield module.span, module.allows
    for kind in (module.gates, module.windows, module.deploys):
        for block in kind:
            yield block.span, block.allows
    for pipeline in module.pipelines:
        yield pipeline.span, pipeline.allows
        for stage in pipeline.stages:
            yield stage.span, stage.allows
            for step in stage.steps:
                yield step.span, step.allows
        for wave in pipeline.waves:
            yield wave.span, wave.allows
        for pipeline_kind in (pipeline.gates, pipeline.windows, pipeline.deploys):
            for owned in pipeline_kind:
                yield owned.span, owned.allows


def _extent(header: Span) -> tuple[int, int]:
    """The character range of the block whose header (its name) is ``header``: up to its closing brace.

    The IR keeps the span of a block's name only, so the body is found in the text: the first ``{`` after the
    name and its matching ``}``, skipping strings (which may hold ``${…}``) and ``#`` comments. A module's
    span is the whole file.
    """
    text = header.file.text
    i = text.find("{", header.end)
    if i < 0:
        return header.start, header.end
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return header.start, i + 1
        i += 1
    return header.start, n


def _holds(outer: tuple[Span, int, int], inner: Span) -> bool:
    span, start, end = outer
    same = span.file is inner.file or span.file.origin == inner.file.origin
    return same and start <= inner.start and inner.end <= end


def allowed_builtins(modules: Sequence[ir.Module], diagnostics: Sequence[Diagnostic]
                     ) -> tuple[list[Diagnostic], list[Suppression]]:
    """``diagnostics`` split into those still reported and the suppressions of those an ``allow`` covers."""
    if not any(d.code in _HERE for d in diagnostics):
        return list(diagnostics), []  # the common case: nothing to look up
    blocks = [((span, *_extent(span)) if i else (span, 0, len(span.file.text)), allows)
              for m in modules for i, (span, allows) in enumerate(_blocks(m)) if allows]
    kept: list[Diagnostic] = []
    out: list[Suppression] = []
    for d in diagnostics:
        where = d.primary
        allow = None
        if d.code in _HERE and where is not None:
            holding = [(outer[2] - outer[1], a) for outer, allows in blocks if _holds(outer, where)
                       for a in allows if a.code == d.code]
            allow = min(holding, key=lambda pair: pair[0])[1] if holding else None
        if allow is None:
            kept.append(d)
        else:
            out.append(Suppression(d, allow.reason, "inSource", allow.span))
    return kept, out
