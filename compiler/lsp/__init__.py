"""The language server (``wavec lsp``): diagnostics, hover, completion, formatting and symbols for editors.

Only :mod:`wavec.lsp.server` imports pygls (the ``wavec[lsp]`` extra); the other modules are plain wavec and
answer from the text of a buffer, so they work on a file that does not parse.
"""
