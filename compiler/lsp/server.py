"""The language server over stdio, on pygls: the one module that imports it (the ``wavec[lsp]`` extra).

Every answer is computed from the buffers' texts as the editor holds them (:mod:`.workspace`): diagnostics
through :func:`wavec.api.check`, incrementally (:mod:`.incremental`), with every open buffer in place of its
file on disk; hover and completion from :mod:`.schema_help`; definitions, references and the hover of a name
from :mod:`.navigate`; quick fixes from :mod:`.actions`; the outline from :mod:`.outline`; formatting from
the formatter.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..config import ConfigError
from ..diagnostics import Severity
from ..source import SourceFile
from ..syntax.format import FormatError, format_text
from .actions import quick_fixes
from .incremental import Found
from .navigate import Navigator, Place
from .outline import BlockAt, CursorCache, scan
from .positions import offset, position
from .schema_help import completions, hover
from .workspace import Workspace

_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
_ITEM_KIND = {"block": lsp.CompletionItemKind.Class, "attribute": lsp.CompletionItemKind.Property,
              "value": lsp.CompletionItemKind.EnumMember, "region": lsp.CompletionItemKind.Value,
              "name": lsp.CompletionItemKind.Reference, "module": lsp.CompletionItemKind.Module}
_SYMBOL_KIND = {"pipeline": lsp.SymbolKind.Module, "stage": lsp.SymbolKind.Class, "step": lsp.SymbolKind.Function,
                "wave": lsp.SymbolKind.Event, "gate": lsp.SymbolKind.Interface, "window": lsp.SymbolKind.Struct,
                "deploy": lsp.SymbolKind.Object, "policy": lsp.SymbolKind.Namespace, "rule": lsp.SymbolKind.Method}

DEBOUNCE_SECONDS = 0.15
"""How long typing must pause before a changed buffer is checked: a burst of keystrokes is checked once."""
SETTLE_SECONDS = 1.0
"""How much longer it must pause before a buffer checked incrementally is checked whole once (in a thread),
so what stays on screen is exactly what ``wavec check`` says (see :mod:`.incremental`)."""

server = LanguageServer("wavec", __version__)
workspace = Workspace()
navigator = Navigator(workspace.text_of)
_pending: dict[str, asyncio.Task[None]] = {}
_cursors: dict[str, CursorCache] = {}
"""Each buffer's scan, kept between hover and completion requests."""
_shown_text: dict[Path, str] = {}
"""The text each buffer's published diagnostics were found in (code actions place their edits in it)."""


def _range(src: SourceFile, start: int, end: int) -> lsp.Range:
    a, b = position(src, start), position(src, end)
    return lsp.Range(lsp.Position(*a), lsp.Position(*b))


def _path(uri: str) -> Path | None:
    fs_path = to_fs_path(uri)
    return Path(fs_path).resolve() if fs_path is not None else None


def _diagnostic(src: SourceFile, f: Found) -> lsp.Diagnostic:
    return lsp.Diagnostic(_range(src, f.start, f.end), f.message, _SEVERITY[f.severity], code=f.code,
                          source="wavec")


def _publish(ls: LanguageServer, uri: str, path: Path, text: str, found: list[Found]) -> None:
    _shown_text[path] = text
    src = SourceFile("", text)
    version = workspace.buffers[path].version if path in workspace.buffers else None
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
        uri=uri, diagnostics=[_diagnostic(src, f) for f in found], version=version))


def _check(ls: LanguageServer, uri: str) -> None:
    """Check the buffer (incrementally when it can) and publish what was found."""
    path = _path(uri)
    if path is None or path not in workspace.buffers:
        return
    text = workspace.buffers[path].text
    try:
        found = workspace.diagnose(path).found
    except ConfigError as exc:
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[lsp.Diagnostic(
            lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), str(exc), lsp.DiagnosticSeverity.Error,
            source="wavec")]))
        return
    _publish(ls, uri, path, text, found)


async def _check_whole(ls: LanguageServer, path: Path) -> None:
    """Check a buffer whole in a thread (requests are still answered meanwhile), and publish it if its text is
    still the one checked."""
    buffer = workspace.buffers.get(path)
    if buffer is None:
        return
    text = buffer.text
    try:
        run = workspace.settle(path)
    except ConfigError:
        return
    checker, outcome = await asyncio.to_thread(run)
    now = workspace.buffers.get(path)
    if now is None or now.text is not text:
        return  # changed meanwhile: its own check follows
    changed = outcome.found != workspace.found.get(path)
    workspace.adopt_checker(path, checker, outcome)
    if changed or _shown_text.get(path) is not text:
        _publish(ls, path.as_uri(), path, text, outcome.found)


def _update(ls: LanguageServer, uri: str) -> Path | None:
    path = _path(uri)
    if path is None:
        return None
    doc = ls.workspace.get_text_document(uri)
    workspace.change(path, doc.source, doc.version)
    return path


def _check_now(ls: LanguageServer, uri: str) -> None:
    """On open and on save: the buffer at once, then (without a pause) what follows a change of it."""
    path = _update(ls, uri)
    _check(ls, uri)
    if path is not None:
        _schedule(ls, uri, path, delay=0.0, own=False)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def _did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _check_now(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def _did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = _update(ls, uri)
    if path is not None:
        _schedule(ls, uri, path, delay=DEBOUNCE_SECONDS, own=True)


def _schedule(ls: LanguageServer, uri: str, path: Path, delay: float, own: bool) -> None:
    earlier = _pending.pop(uri, None)
    if earlier is not None:
        earlier.cancel()  # a newer change came before the pause: only the latest text is checked
    _pending[uri] = asyncio.ensure_future(_after_change(ls, uri, path, delay, own))


async def _after_change(ls: LanguageServer, uri: str, path: Path, delay: float, own: bool) -> None:
    """After the pause: the buffer, then the open buffers importing it, then (if it was checked
    incrementally, once typing has paused for longer) the buffer whole."""
    await asyncio.sleep(delay)
    if own:
        _check(ls, uri)
    for importer in workspace.importers(path):
        await _check_whole(ls, importer)
    if not workspace.last_full.get(path, True):
        await asyncio.sleep(SETTLE_SECONDS)
        await _check_whole(ls, path)
    _pending.pop(uri, None)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def _did_save(ls: LanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    _check_now(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def _did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = _path(uri)
    pending = _pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    if path is not None:
        workspace.close(path)
        _shown_text.pop(path, None)
    _cursors.pop(uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    if path is not None and workspace.importers(path):
        _pending[uri] = asyncio.ensure_future(_after_change(ls, uri, path, 0.0, False))


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def _hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    at = offset(text, params.position.line, params.position.character)
    found = hover(text, at, _cursors.setdefault(params.text_document.uri, CursorCache()))
    if found is None:
        path = _update(ls, params.text_document.uri)
        named = navigator.hover(path, at) if path is not None else None
        if named is None:
            return None
        found = named[0], (named[1].start, named[1].end)
    markdown, (start, end) = found
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, markdown), _range(SourceFile("", text), start, end))


def _location(place: Place) -> lsp.Location | None:
    text = workspace.text_of(place.path)
    if text is None:
        return None
    return lsp.Location(place.path.as_uri(), _range(SourceFile("", text), place.start, place.end))


def _offset_in(ls: LanguageServer, uri: str, pos: lsp.Position) -> tuple[Path, int] | None:
    path = _update(ls, uri)
    if path is None:
        return None
    text = workspace.buffers[path].text
    return path, offset(text, pos.line, pos.character)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def _definition(ls: LanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    at = _offset_in(ls, params.text_document.uri, params.position)
    place = navigator.definition(*at) if at is not None else None
    return _location(place) if place is not None else None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def _references(ls: LanguageServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    at = _offset_in(ls, params.text_document.uri, params.position)
    if at is None:
        return []
    places = navigator.references(*at, include_declaration=params.context.include_declaration)
    return [loc for loc in (_location(p) for p in places) if loc is not None]


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def _code_actions(ls: LanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    path = _path(params.text_document.uri)
    if path is None or path not in _shown_text:
        return []
    text = _shown_text[path]
    src = SourceFile("", text)
    first = offset(text, params.range.start.line, params.range.start.character)
    last = offset(text, params.range.end.line, params.range.end.character)
    out = []
    for f in workspace.found.get(path, []):
        if f.end < first or f.start > last:
            continue
        for start, end, replacement, title in quick_fixes(text, f):
            edit = lsp.TextEdit(_range(src, start, end), replacement)
            out.append(lsp.CodeAction(title, kind=lsp.CodeActionKind.QuickFix, is_preferred=True,
                                      diagnostics=[_diagnostic(src, f)],
                                      edit=lsp.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
    return out


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["=", '"', " "]))
def _complete(ls: LanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    at = offset(text, params.position.line, params.position.character)
    src = SourceFile("", text)
    return lsp.CompletionList(is_incomplete=False, items=[
        lsp.CompletionItem(i.label, kind=_ITEM_KIND[i.kind], detail=i.detail or None,
                           documentation=lsp.MarkupContent(lsp.MarkupKind.Markdown, i.doc) if i.doc else None,
                           text_edit=lsp.TextEdit(_range(src, i.start, at), i.label) if i.start is not None else None)
        for i in completions(text, at, _cursors.setdefault(params.text_document.uri, CursorCache()))])


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def _format(ls: LanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    text = doc.source
    try:
        result = format_text(text, to_fs_path(params.text_document.uri) or "<buffer>")
    except FormatError:
        return None  # a formatter bug: leave the buffer alone rather than corrupt it
    if result.text is None or not result.changed:
        return None if result.text is None else []
    return [lsp.TextEdit(_range(SourceFile("", text), 0, len(text)), result.text)]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def _symbols(ls: LanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    src = SourceFile("", text)
    return _symbol_list(src, scan(text).blocks)


def _symbol_list(src: SourceFile, blocks: list[BlockAt]) -> list[lsp.DocumentSymbol]:
    out = []
    for b in blocks:
        if b.kind not in _SYMBOL_KIND:
            continue
        end = b.end if b.end is not None else len(src.text)
        name = b.labels[0] if b.labels else b.kind
        out.append(lsp.DocumentSymbol(name, _SYMBOL_KIND[b.kind], _range(src, b.start, end),
                                      _range(src, b.start, b.start + len(b.kind)), detail=b.kind,
                                      children=_symbol_list(src, b.children)))
    return out


def serve() -> None:
    """Answer the editor on standard input and output until it exits."""
    server.start_io()
