"""The floor of ``wavec check`` on a large file: Lark alone parsing it with wavec's grammar and options.

``python -m benchmarks.bare_parse FILE`` imports Lark (not wavec: the grammar is read from the
repository's ``grammar/wave.lark``), builds the LALR parser from Lark's own cache, and parses FILE into
Lark's plain tree — no transformer, no imports followed, no checks — with the cyclic garbage collector
paused, as ``wavec check`` pauses it (with it running, the bare parse is the slower of the two). What
``wavec check`` spends beyond this is wavec's own work.
"""

from __future__ import annotations

import sys
from pathlib import Path

GRAMMAR = Path(__file__).resolve().parent.parent / "grammar" / "wave.lark"


def main(argv: list[str] | None = None) -> int:
    """Parse the file; exit 0."""
    import gc

    from lark import Lark

    gc.disable()

    (path,) = sys.argv[1:] if argv is None else argv
    parser = Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual", maybe_placeholders=True,
                  cache=True)
    parser.parse(Path(path).read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
