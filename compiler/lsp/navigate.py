"""Go to definition, find references and the hover of a name, across the files of a project.

A name resolves as the lowering resolves it: a pipeline's own gates, windows, deploy profiles and lets first,
then the file's; ``ops.paging`` is ``paging`` at the top level of the file ``ops`` is bound to. References
are the exact spans of the name (a rename may replace each one): in the defining file, and ``alias.name``
in every file of the project that imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..files import find_root
from ..records import record
from .symbols import Definition, Names, Use, import_target, read_names

MAX_PROJECT_FILES = 5_000
"""Files searched for references at most (a folder of generated files must not stall the editor)."""

_SKIPPED = {"node_modules", "__pycache__"}


@record
class Place:
    """A span of a file."""

    path: Path
    start: int
    end: int


@record
class Target:
    """What a name refers to: the file and the definition (``None``: the whole file, an import path)."""

    path: Path
    definition: Definition | None


TextOf = Callable[[Path], "str | None"]


class Navigator:
    """Answers from the texts ``text_of`` returns (open buffers first, then the disk); names of a text are
    read once per text."""

    def __init__(self, text_of: TextOf) -> None:
        self.text_of = text_of
        self._names: dict[Path, tuple[str, Names]] = {}

    def names(self, path: Path) -> Names | None:
        """The definitions and uses of the file's current text."""
        text = self.text_of(path)
        if text is None:
            return None
        kept = self._names.get(path)
        if kept is not None and kept[0] is text:
            return kept[1]
        names = read_names(text)
        self._names[path] = (text, names)
        return names

    # --------------------------------------------------------------- resolving

    def target(self, path: Path, at: int) -> Target | None:
        """What the name (or import path) at offset ``at`` of ``path`` refers to."""
        names = self.names(path)
        if names is None:
            return None
        text = self.text_of(path) or ""
        for d in names.definitions:
            if d.kind == "import" and d.spec is not None and _on_spec(text, d, at):
                found = import_target(d.spec, path)  # on the path of `import "std/windows"`: the file
                return Target(found, None) if found is not None else None
            if d.start <= at <= d.end:
                return Target(path, d)
        for use in names.uses:
            for index in range(len(use.parts)):
                start, end = use.span_of(index)
                if start <= at <= end:
                    return self._resolve(path, names, use, index)
        return None

    def _resolve(self, path: Path, names: Names, use: Use, index: int) -> Target | None:
        first = names.lookup(use.parts[0], use.scope)
        if index == 0:
            return Target(path, first) if first is not None else None
        if first is None or first.kind != "import" or first.spec is None or index != 1:
            return None
        module = import_target(first.spec, path)
        if module is None:
            return None
        theirs = self.names(module)
        found = theirs.lookup(use.parts[1], None) if theirs is not None else None
        return Target(module, found) if found is not None else None

    def definition(self, path: Path, at: int) -> Place | None:
        """Where the name at ``at`` is defined (the start of the file for an import path)."""
        target = self.target(path, at)
        if target is None:
            return None
        if target.definition is None:
            return Place(target.path, 0, 0)
        return Place(target.path, target.definition.start, target.definition.end)

    # -------------------------------------------------------------- references

    def references(self, path: Path, at: int, include_declaration: bool = True) -> list[Place]:
        """Every span that names what the name at ``at`` refers to, in this file and its importers."""
        target = self.target(path, at)
        if target is None or target.definition is None:
            return []
        d = target.definition
        out: list[Place] = [Place(target.path, d.start, d.end)] if include_declaration else []
        names = self.names(target.path)
        if names is not None:
            for use in names.uses:
                if names.lookup(use.parts[0], use.scope) == d:
                    out.append(Place(target.path, *use.span_of(0)))
        if d.scope is None and d.kind not in ("import", "pipeline"):
            for other in self.project_files(target.path):
                if other == target.path:
                    continue
                theirs = self.names(other)
                if theirs is None:
                    continue
                bound = {b.name for b in theirs.imports() if b.spec is not None
                         and import_target(b.spec, other) == target.path}
                for use in theirs.uses:
                    if len(use.parts) >= 2 and use.parts[0] in bound and use.parts[1] == d.name \
                            and theirs.lookup(use.parts[0], use.scope) is not None:
                        out.append(Place(other, *use.span_of(1)))
        return sorted(set(out), key=lambda p: (str(p.path), p.start))

    def project_files(self, path: Path) -> Iterator[Path]:
        """The ``.wave`` files of the project ``path`` is in (hidden folders skipped), at most
        :data:`MAX_PROJECT_FILES`."""
        root = find_root(path.parent).resolve()
        count = 0
        for found in sorted(root.rglob("*.wave")):
            rel = found.relative_to(root).parts
            if any(p.startswith(".") or p in _SKIPPED for p in rel[:-1]):
                continue
            count += 1
            if count > MAX_PROJECT_FILES:
                return
            yield found.resolve()

    # ------------------------------------------------------------------- hover

    def hover(self, path: Path, at: int) -> tuple[str, Place] | None:
        """Markdown showing the definition of the name at ``at``, and the span of the name."""
        target = self.target(path, at)
        if target is None or target.definition is None:
            return None
        names = self.names(path)
        word = _word_span(names, at) if names is not None else None
        d = target.definition
        text = self.text_of(target.path) or ""
        body = text[d.whole[0] : d.whole[1]].rstrip()
        lines = body.splitlines()
        if len(lines) > 16:
            lines = [*lines[:15], "  …"]
        line = text.count("\n", 0, d.start) + 1
        where = "this file" if target.path == path.resolve() else target.path.name
        heading = f"**{d.kind}** `{d.name}`" + (f" of pipeline `{d.scope}`" if d.scope else "")
        markdown = f"{heading} — {where}, line {line}\n\n```wave\n" + "\n".join(lines) + "\n```"
        span = word or (at, at)
        return markdown, Place(path, *span)


def _on_spec(text: str, d: Definition, at: int) -> bool:
    """Whether ``at`` is inside the quoted path of an import statement."""
    quote = text.find('"', d.whole[0], d.whole[1])
    close = text.find('"', quote + 1, d.whole[1]) if quote != -1 else -1
    return quote != -1 and close != -1 and quote < at <= close


def _word_span(names: Names, at: int) -> tuple[int, int] | None:
    for d in names.definitions:
        if d.start <= at <= d.end:
            return d.start, d.end
    for use in names.uses:
        for index in range(len(use.parts)):
            start, end = use.span_of(index)
            if start <= at <= end:
                return start, end
    return None
