"""The machine-applicable fix of a diagnostic, read from what it already says, in this one place.

Call sites write their advice for people (``help``); where that advice is a single edit of the primary span,
:func:`derive` turns it into a :class:`~wavec.diagnostics.model.Fix` an editor can apply:

* ``did you mean `x`?`` (every unknown-name, -attribute, -value diagnostic, through
  :func:`wavec.lang.suggest.did_you_mean`): replace the span with ``x``, quotes kept for a string, and the
  folder kept when a file name is suggested for an import path;
* a duration with a misspelt unit (WV009, ``write `30m`; …``): replace the literal;
* ``:`` written for ``=`` (WV005): replace the colon.

A help that offers a choice, or an edit elsewhere than the span, yields no fix.
"""

from __future__ import annotations

import re

from ..source import Span
from .codes import builtin as codes
from .model import Fix

# Compiled (and cached by `re`) by the first fix asked for: a clean check compiles neither.
_DID_YOU_MEAN = r"did you mean (`|\")([^`\"\n]+)\1\?\Z"
_WRITE = r"write `([^`\n]+)`;"



def derive(code: str, span: Span | None, help: str | None) -> Fix | None:
    """The fix that ``help`` describes for a diagnostic of ``code`` at ``span``, if it is one edit."""
    if span is None or help is None:
        return None
    written = span.text
    if "\n" in written:
        return None
    found = re.match(_DID_YOU_MEAN, help)
    if found is not None:
        best = found.group(2)
        quoted = len(written) >= 2 and written[0] == written[-1] == '"'
        inner = written[1:-1] if quoted else written
        if quoted and "/" in inner and "/" not in best:  # a file name suggested for a path: keep its folder
            best = inner.rsplit("/", 1)[0] + "/" + best
        replacement = f'"{best}"' if quoted else best
        if replacement == written or (not quoted and not written):
            return None
        return Fix(span, replacement, f"Change to `{best}`")
    if code == codes.INVALID_NUMBER.code:
        found = re.match(_WRITE, help)
        if found is not None and written:
            return Fix(span, found.group(1), f"Change to `{found.group(1)}`")
    if code == codes.COLON_INSTEAD_OF_EQUALS.code and written == ":":
        text = span.file.text
        before = "" if span.start > 0 and text[span.start - 1] in " \t" else " "
        after = "" if span.end < len(text) and text[span.end] in " \t\n" else " "
        return Fix(span, f"{before}={after}", "Write `=` instead of `:`")
    return None
