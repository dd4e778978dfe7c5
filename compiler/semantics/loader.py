"""Loading modules: reading files, resolving imports (stdlib and relative), detecting cycles.

* ``import "std/windows"`` loads ``windows.wave`` from the standard library
  shipped in the package (``importlib.resources``), bound as ``windows``;
* ``import "./shared/gates.wave" as g`` loads a file relative to the
  importing one; it may not leave the project root (the nearest folder with
  ``pyproject.toml``, ``wave.toml`` or ``.git``), and absolute paths are refused;
* every module is lowered once per run, however often it is imported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from ..diagnostics import Label, Severity, Sink
from ..diagnostics.codes import builtin as codes
from ..files import absolute, confined, find_root, inside, project_root, read_source
from ..lang.suggest import did_you_mean
from ..limits import MAX_DEPTH, MAX_FILE_BYTES
from ..records import record
from ..source import SourceFile, Span
from ..syntax import tree as t
from ..syntax.parser import parse
from . import ir
from .lower.module import Lowerer
from .secrets import SecretFinding, find_secrets
from .stdlib_index import STD_PREFIX, std_modules

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
__all__ = ["STD_PREFIX", "Loader", "display_path", "std_modules"]


def display_path(path: Path) -> str:
    """A path as diagnostics show it: relative to the working directory when below it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


@record(frozen=False)
class _Loaded:
    module: ir.Module | None
    source: SourceFile | None


class Loader:
    """Loads entry files and everything they import; one instance per ``check`` run."""

    def __init__(self, sink: Sink, unsaved: Mapping[str, str] | None = None) -> None:
        self.sink = sink
        self.unsaved = unsaved or {}
        """Text that replaces an imported file on disk, by its resolved path: an editor's unsaved buffers."""
        self._done: dict[str, _Loaded] = {}
        self._stack: list[str] = []
        self.sources: dict[str, SourceFile] = {}
        self._import_span: Span | None = None
        self.secrets: list[SecretFinding] = []
        """Credentials in plain text in the project's modules (the standard library is not searched)."""
        self.import_sites: dict[str, list[tuple[Span, str, ir.Module]]] = {}
        """Module (by its shown path) → each module it imports: the span of the import's path, the name bound."""

    # ------------------------------------------------------------- entries

    def load_file(self, path: Path, root: Path | None = None) -> ir.Module | None:
        """Load an entry file; its imports stay inside ``root`` (default: its own project root).

        A file whose links lead out of the root is reported (WV021) and not read; so is one that cannot be read.
        """
        root = root.resolve() if root is not None else project_root(path)
        shown = display_path(absolute(path))
        real = confined(path, root)
        if real is None:
            self.sink.report(codes.LINK_OUT_OF_PROJECT, f"{shown} is a link that leads out of the project root; "
                             "it is not read", Span(SourceFile(shown, "", shown), 0, 0),
                             label="link out of the project", severity=Severity.ERROR,
                             help="check files inside the project; copy the file in instead of linking to it")
            return None
        key = str(real)
        if key in self._done:
            return self._done[key].module
        try:
            data = read_source(real)
        except OSError as exc:
            self.sink.report(codes.IMPORT_NOT_FOUND, f"cannot read {shown}: {exc.strerror or exc}",
                             Span(SourceFile(shown, "", shown), 0, 0), label="unreadable")
            return None
        return self._load(key, shown, data, real.parent, root)

    def load_text(self, text: str, name: str = "<stdin>", folder: Path | None = None) -> ir.Module | None:
        """Load source text that is not (or not yet) a file, e.g. from an editor."""
        base = (folder or Path.cwd()).resolve()
        return self._load(f"text:{name}", name, text.encode("utf-8"), base, find_root(base).resolve())

    # ------------------------------------------------------------ internals

    def _load(self, key: str, shown: str, data: bytes, folder: Path | None, root: Path | None
              ) -> ir.Module | None:
        if len(data) > MAX_FILE_BYTES:
            src = SourceFile(shown, "", key)
            self.sink.report(codes.FILE_TOO_LARGE,
                             f"the file is larger than the limit of {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                             Span(src, 0, 0), label="too large",
                             help="split the pipelines into several files")
            self._done[key] = _Loaded(None, src)
            return None
        if len(self._stack) >= MAX_DEPTH:
            self.sink.report(codes.NESTING_TOO_DEEP, f"imports nested deeper than {MAX_DEPTH} modules",
                             self._import_span or Span(SourceFile(shown, "", key), 0, 0), label="too deep",
                             help="import what a module needs directly instead of through long chains")
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            src = SourceFile(shown, data.decode("utf-8", "replace"), key)
            # exc.start counts bytes; the span counts characters of the decoded text.
            at = len(data[: exc.start].decode("utf-8", "replace"))
            self.sink.report(codes.NOT_UTF8, "the file is not valid UTF-8", Span(src, at, at + 1),
                             label="invalid byte", help="save the file as UTF-8")
            self._done[key] = _Loaded(None, src)
            return None
        src = SourceFile(shown, text, key)
        self.sources[key] = src
        self._stack.append(key)
        try:
            tree = parse(src, self.sink)
            module = None
            if tree is not None and not key.startswith("std:"):
                self.secrets += find_secrets(tree)
            if tree is not None:
                imports, failed = self._imports(tree, folder, root, src, shown)
                module = Lowerer(shown, tree, imports, self.sink, failed=failed).run()
        finally:
            self._stack.pop()
        self._done[key] = _Loaded(module, src)
        return module

    def _imports(self, tree: t.Module, folder: Path | None, root: Path | None, src: SourceFile, shown: str
                 ) -> tuple[dict[str, ir.Module], frozenset[str]]:
        """Load the imports of a module: the modules bound by name, and the names whose import failed."""
        bound: dict[str, ir.Module] = {}
        failed: set[str] = set()
        spans: dict[str, Span] = {}
        for item in tree.items:
            if not isinstance(item, t.Import):
                continue
            spec = item.path.value
            name = item.alias.value if item.alias else _binding(spec)
            if name is None or not _NAME.match(name):
                self.sink.report(
                    codes.IMPORT_BINDING, f'`import "{spec}"` needs `as NAME`', item.path.span,
                    label=f"`{name}` is not a valid name" if name else "no name to bind",
                    help=f'write `import "{spec}" as {_suggest_name(name or "module")}`',
                )
                continue
            if name in spans:
                self.sink.report(codes.IMPORT_BINDING, f"two imports are bound to `{name}`",
                                 (item.alias or item.path).span, label="bound again here",
                                 extra=(Label(spans[name], "first bound here"),),
                                 help=f'give one of them another name with `as`: `import "{spec}" as other`')
                continue
            module = self._import(spec, item, folder, root, src)
            spans[name] = (item.alias or item.path).span
            if module is not None:
                bound[name] = module
                self.import_sites.setdefault(shown, []).append((item.path.span, name, module))
            else:
                failed.add(name)
        return bound, frozenset(failed)

    def _import(self, spec: str, item: t.Import, folder: Path | None, root: Path | None, src: SourceFile
                ) -> ir.Module | None:
        span = item.path.span
        if spec.startswith(STD_PREFIX):
            rel = spec[len(STD_PREFIX):]
            rel = rel if rel.endswith(".wave") else rel + ".wave"
            key = "std:" + rel
            shown = STD_PREFIX + rel
            data = _read_std(rel)
            if data is None:
                self.sink.report(codes.IMPORT_NOT_FOUND, f'no module "{spec}" in the standard library', span,
                                 label="not found", help=did_you_mean(spec, std_modules(), quote='"') or
                                 "the standard library has: " + ", ".join(f'"{m}"' for m in std_modules()))
                return None
            return self._enter(key, shown, data, None, None, span)
        if not item.path.is_plain:
            self.sink.report(codes.IMPORT_OUTSIDE_PROJECT,
                             "an import path cannot interpolate", span, label="`${…}` here")
            return None
        if os.path.isabs(spec) or re.match(r"[A-Za-z]:[\\/]", spec) or spec.startswith("~"):
            self.sink.report(codes.IMPORT_OUTSIDE_PROJECT, f'absolute import path "{spec}" is refused', span,
                             label="absolute path", help='import relative to this file: "./shared/gates.wave"')
            return None
        if folder is None or root is None:  # a stdlib module importing a relative path: stay in stdlib
            rel = os.path.normpath(os.path.join(os.path.dirname(src.origin.removeprefix("std:")), spec))
            data = _read_std(rel if rel.endswith(".wave") else rel + ".wave")
            if data is None or rel.startswith(".."):
                self.sink.report(codes.IMPORT_NOT_FOUND,
                                 f'no module "{spec}" beside this standard library module', span,
                                 label="not found")
                return None
            return self._enter("std:" + rel, STD_PREFIX + rel, data, None, None, span)
        if not spec.startswith(("./", "../")):
            self.sink.report(codes.IMPORT_NOT_FOUND, f'import path "{spec}" is neither "std/…" nor relative', span,
                             label="unclear path",
                             help=f'write "./{spec}" for a file beside this one, or "std/…" for the standard '
                                  "library")
            return None
        target = Path(os.path.normpath(folder / spec))
        if target.suffix != ".wave":
            target = target.with_name(target.name + ".wave")
        # Both the path as written and the path with its links resolved must stay in the root: an import
        # through a linked folder or of a linked file is refused like `../../outside.wave`.
        real = confined(target, root) if inside(target, root) else None
        if real is None:
            self.sink.report(codes.IMPORT_OUTSIDE_PROJECT, f'import "{spec}" leaves the project root', span,
                             label="outside the project",
                             help=f"imports stay inside {display_path(root) or '.'} (the nearest folder with "
                                  "pyproject.toml, wave.toml or .git)")
            return None
        if not real.is_file():
            siblings = [p.name for p in target.parent.glob("*.wave")] if target.parent.is_dir() else []
            self.sink.report(codes.IMPORT_NOT_FOUND, f'cannot find "{spec}"', span, label="no such file",
                             help=did_you_mean(target.name, siblings, quote='"') or
                             "the path is relative to the importing file")
            return None
        try:
            buffer = self.unsaved.get(str(real))
            data = read_source(real) if buffer is None else buffer.encode("utf-8")
        except OSError as exc:
            self.sink.report(codes.IMPORT_NOT_FOUND, f'cannot read "{spec}": {exc.strerror or exc}', span,
                             label="unreadable")
            return None
        return self._enter(str(real), display_path(target), data, real.parent, root, span)

    def _enter(self, key: str, shown: str, data: bytes, folder: Path | None, root: Path | None, span: Span
               ) -> ir.Module | None:
        if key in self._stack:
            cycle = [*self._stack[self._stack.index(key):], key]
            names = [self._shown(k) for k in cycle]
            self.sink.report(codes.IMPORT_CYCLE, "import cycle: " + " → ".join(names), span,
                             label="imports a module that imports this one",
                             help="move what both modules need into a third module that imports neither")
            return None
        if key in self._done:
            return self._done[key].module
        self._import_span = span
        return self._load(key, shown, data, folder, root)

    def _shown(self, key: str) -> str:
        src = self.sources.get(key)
        return src.path if src is not None else key


def _binding(spec: str) -> str | None:
    last = spec.rstrip("/").rsplit("/", 1)[-1]
    return last.removesuffix(".wave") or None


def _suggest_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if cleaned and not cleaned[0].isdigit() else "m_" + cleaned


def _read_std(rel: str) -> bytes | None:
    if rel.startswith(("/", "..")) or "/../" in rel:
        return None
    node = resources.files("wavec.stdlib")
    for part in rel.split("/"):
        node = node.joinpath(part)
    try:
        return node.read_bytes() if node.is_file() else None
    except OSError:
        return None
