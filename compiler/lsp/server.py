"""The language server over stdio, on pygls: the one module that imports it (the ``wavec[lsp]`` extra).

Every answer is computed from the buffer's text as the editor holds it: diagnostics through
:func:`wavec.api.check` with the buffer in place of the file on disk, the rest from :mod:`.schema_help`,
:mod:`.outline` and the formatter.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..api import check
from ..config import ConfigError, load_config
from ..diagnostics import Diagnostic, Severity
from ..files import absolute
from ..semantics.loader import display_path
from ..source import SourceFile
from ..syntax.format import FormatError, format_text
from .outline import BlockAt, scan
from .positions import offset, position
from .schema_help import completions, hover

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

server = LanguageServer("wavec", __version__)
_pending: dict[str, asyncio.Task[None]] = {}


def _range(src: SourceFile, start: int, end: int) -> lsp.Range:
    a, b = position(src, start), position(src, end)
    return lsp.Range(lsp.Position(*a), lsp.Position(*b))


def diagnose(path: Path, text: str) -> list[lsp.Diagnostic]:
    """What ``wavec check`` reports on ``path`` with ``text`` as its content, as LSP diagnostics."""
    src = SourceFile("", text)
    try:
        config = load_config(start=path.parent)
    except ConfigError as exc:
        return [lsp.Diagnostic(lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), str(exc),
                               lsp.DiagnosticSeverity.Error, source="wavec")]
    result = check([path], config, unsaved={path.resolve(): text})
    shown = display_path(absolute(path))
    return [_diagnostic(src, d) for d in result.diagnostics if d.primary is not None and d.primary.file.path == shown]


def _diagnostic(src: SourceFile, d: Diagnostic) -> lsp.Diagnostic:
    span = d.primary
    assert span is not None
    return lsp.Diagnostic(_range(src, span.start, span.end), d.message, _SEVERITY[d.severity], code=d.code,
                          source="wavec")


def _publish(ls: LanguageServer, uri: str) -> None:
    doc = ls.workspace.get_text_document(uri)
    fs_path = to_fs_path(uri)
    if fs_path is None:
        return
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnose(Path(fs_path), doc.source), version=doc.version))


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def _did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def _did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    earlier = _pending.pop(uri, None)
    if earlier is not None:
        earlier.cancel()  # a newer change came before the pause: only the latest text is checked
    _pending[uri] = asyncio.ensure_future(_publish_later(ls, uri))


async def _publish_later(ls: LanguageServer, uri: str) -> None:
    await asyncio.sleep(DEBOUNCE_SECONDS)
    _pending.pop(uri, None)
    _publish(ls, uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def _did_save(ls: LanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def _did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def _hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    found = hover(text, offset(text, params.position.line, params.position.character))
    if found is None:
        return None
    markdown, (start, end) = found
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, markdown), _range(SourceFile("", text), start, end))


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["=", '"', " "]))
def _complete(ls: LanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    at = offset(text, params.position.line, params.position.character)
    src = SourceFile("", text)
    return lsp.CompletionList(is_incomplete=False, items=[
        lsp.CompletionItem(i.label, kind=_ITEM_KIND[i.kind], detail=i.detail or None,
                           documentation=lsp.MarkupContent(lsp.MarkupKind.Markdown, i.doc) if i.doc else None,
                           text_edit=lsp.TextEdit(_range(src, i.start, at), i.label) if i.start is not None else None)
        for i in completions(text, at)])


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
