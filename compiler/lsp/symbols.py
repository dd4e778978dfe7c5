"""The names of a buffer, read from its tokens: what it defines, what it imports, where it uses names.

Definitions are the named blocks (``gate paging {``, ``window``, ``policy``, ``deploy``, ``pipeline``), the
``let`` statements and the import bindings (``import "./shared/ops.wave" as ops``, ``import "std/windows"``
binds ``windows``); a use is any other name in a value (``gates = [paging]``, ``ops.paging``,
``windows.business_hours``). Like :mod:`.outline` this reads a half-typed buffer too, and needs no parse.
Which file an import names is :func:`import_target`'s business (the loader's rules, without reading it).
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from ..records import field, record, replace

_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"?|#[^\n]*|\d[\w.:%]*|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*'
                    r'|\n|[{}\[\]()=,]|[^\sA-Za-z_"#{}\[\]()=,]+')
NAMED_BLOCKS = ("gate", "window", "policy", "deploy", "pipeline")
"""Block kinds whose first label is a name others refer to."""


@record
class Definition:
    """A name a buffer defines: its kind (a block kind, ``let`` or ``import``), where the name is written,
    where the whole definition is, and the pipeline it is defined in (``None`` at the top level)."""

    name: str
    kind: str
    start: int
    end: int
    whole: tuple[int, int]
    scope: str | None = None
    spec: str | None = None
    """For an import: the path as written."""


@record
class Use:
    """A name used in a value: ``parts`` of ``ops.paging`` are ``("ops", "paging")``; ``start`` is where the
    dotted name begins; ``scope`` the pipeline it is in."""

    parts: tuple[str, ...]
    start: int
    scope: str | None = None

    def span_of(self, index: int) -> tuple[int, int]:
        """Where part ``index`` of the name is written."""
        at = self.start + sum(len(p) + 1 for p in self.parts[:index])
        return at, at + len(self.parts[index])


@record(frozen=False)
class Names:
    """Every definition and use of a buffer."""

    definitions: list[Definition] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)

    def imports(self) -> list[Definition]:
        """The import bindings."""
        return [d for d in self.definitions if d.kind == "import"]

    def lookup(self, name: str, scope: str | None) -> Definition | None:
        """The definition ``name`` refers to in ``scope``: the pipeline's own first, then the file's."""
        found = None
        for d in self.definitions:
            if d.name == name and d.kind != "pipeline":
                if d.scope == scope and scope is not None:
                    return d
                if d.scope is None and found is None:
                    found = d
        return found


def read_names(text: str) -> Names:
    """The definitions and uses of ``text``."""
    out = Names()
    stack: list[tuple[str, str | None, int]] = []  # (kind, name, index of its definition or -1) of each open block
    words: list[tuple[str, int]] = []
    depth = 0

    def scope() -> str | None:
        for kind, name, _ in stack:
            if kind == "pipeline":
                return name
        return None

    def end_statement(at: int) -> None:
        nonlocal words
        if len(words) >= 2 and words[0][0] == "let" and _is_name(words[1][0]):
            out.definitions.append(Definition(words[1][0], "let", words[1][1], words[1][1] + len(words[1][0]),
                                              (words[0][1], at), scope()))
            _uses(words[1:], out, scope())
        elif words and words[0][0] == "import" and not stack and len(words) >= 2 and words[1][0].startswith('"'):
            spec = words[1][0].strip('"')
            if len(words) >= 4 and words[2][0] == "as" and _is_name(words[3][0]):
                out.definitions.append(Definition(words[3][0], "import", words[3][1],
                                                  words[3][1] + len(words[3][0]), (words[0][1], at), spec=spec))
            else:
                binding = spec.rstrip("/").rsplit("/", 1)[-1].removesuffix(".wave")
                if _is_name(binding):
                    out.definitions.append(Definition(binding, "import", words[1][1] + 1,
                                                      words[1][1] + 1 + len(spec), (words[0][1], at), spec=spec))
        else:
            _uses(words, out, scope())
        words = []

    for m in _TOKEN.finditer(text):
        tok, start = m.group(), m.start()
        first = tok[0]
        if first == "#":
            continue
        if tok == "\n":
            if depth == 0:
                end_statement(start)
            continue
        if tok in "[(":
            depth += 1
        elif tok in "])":
            depth = max(0, depth - 1)
        elif tok == "{":
            is_map = any(w == "=" for w, _ in words)
            name = None
            index = -1
            if not is_map and len(words) >= 2 and words[0][0] in NAMED_BLOCKS and _is_name(words[1][0]):
                name = words[1][0]
                index = len(out.definitions)
                out.definitions.append(Definition(name, words[0][0], words[1][1], words[1][1] + len(name),
                                                  (words[0][1], len(text)), scope()))
            if is_map:
                _uses(words, out, scope())
            stack.append((words[0][0] if words and not is_map else "", name, index))
            words, depth = [], 0
            continue
        elif tok == "}":
            _uses(words, out, scope())
            if stack:
                index = stack.pop()[2]
                if index >= 0:  # the block's definition ends here
                    d = out.definitions[index]
                    out.definitions[index] = replace(d, whole=(d.whole[0], m.end()))
            words, depth = [], 0
            continue
        elif tok == "=" and depth == 0 and len(words) > 2 and words[-2][0] != "=":
            # `kind = test  run = …`: a second attribute on the line ends the first
            _uses(words[:-1], out, scope())
            words = [words[-1]]
        words.append((tok, start))
    end_statement(len(text))
    return out


def _uses(words: list[tuple[str, int]], out: Names, scope: str | None) -> None:
    """The names in the value of an attribute statement (``name = value``)."""
    if len(words) < 3 or words[1][0] != "=":
        return
    for tok, start in words[2:]:
        if tok[0].isalpha() or tok[0] == "_":
            out.uses.append(Use(tuple(tok.split(".")), start, scope))


def _is_name(word: str) -> bool:
    return bool(word) and (word[0].isalpha() or word[0] == "_") and "." not in word


def import_target(spec: str, importer: Path) -> Path | None:
    """The file ``import "spec"`` in ``importer`` names: beside it for ``./`` and ``../``, in the standard
    library (when it is a folder on disk) for ``std/``; ``None`` when there is no such file."""
    if spec.startswith("std/"):
        folder = resources.files("wavec.stdlib")
        if not isinstance(folder, Path):
            return None
        rel = spec.removeprefix("std/")
        target = folder / (rel if rel.endswith(".wave") else rel + ".wave")
    elif spec.startswith(("./", "../")):
        target = Path(os.path.normpath(importer.parent / spec))
        if target.suffix != ".wave":
            target = target.with_name(target.name + ".wave")
    else:
        return None
    return target.resolve() if target.is_file() else None
