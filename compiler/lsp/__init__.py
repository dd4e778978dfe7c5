"""The language server (``wavec lsp``): diagnostics, hover, completion, definitions, references, quick fixes,
formatting and symbols for editors.

Only :mod:`wavec.lsp.server` imports pygls (the ``wavec[lsp]`` extra); the other modules are plain wavec, so
the tests and the benchmark drive them in the process: :mod:`.workspace` (the open buffers),
:mod:`.incremental` (diagnostics a pipeline at a time), :mod:`.navigate` and :mod:`.symbols` (names across
files), :mod:`.actions` (quick fixes), :mod:`.schema_help` and :mod:`.outline` (hover, completion, outline
from the buffer's tokens, so they work on a file that does not parse).
"""
