"""The library API the CLI is built on: ``check`` files, get diagnostics and the IR."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import files
from . import policy as policy_language
from .config import Config, load_config
from .diagnostics import Diagnostic, Label, Severity, Sink
from .diagnostics.codes import builtin as codes
from .gcpause import gc_paused
from .policy.builtin_allows import allowed_builtins
from .policy.findings import Suppression
from .policy.unenforced import report_unenforced
from .records import field, record
from .semantics import ir
from .semantics.cycles import check_after_cycles
from .semantics.loader import Loader, display_path
from .source import SourceFile, Span

if TYPE_CHECKING:
    from .targets.base import Target

__all__ = ["BuildResult", "CheckResult", "build", "check", "collect_files", "load_config", "select_pipeline"]


@record(frozen=False)
class CheckResult:
    """What ``check`` found: diagnostics (configuration applied, sorted) and the lowered modules."""

    diagnostics: list[Diagnostic]
    modules: list[ir.Module] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    suppressed: list[Diagnostic] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    """Every finding not reported, with why: ``allow`` statements and the configuration's ``ignore``."""
    imported: list[Path] = field(default_factory=list)
    """Every project file the checked files import, directly or not (resolved; the standard library not)."""

    @property
    def errors(self) -> int:
        """How many errors."""
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        """How many warnings."""
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def pipelines(self) -> list[ir.Pipeline]:
        """Every pipeline of the checked files, in file order."""
        return [p for m in self.modules for p in m.pipelines]


def collect_files(paths: Iterable[Path], config: Config, sink: Sink | None = None) -> list[Path]:
    """Expand folders to the ``*.wave`` files below them, minus ``exclude``; files given by name are kept.

    A file or folder whose links lead out of its project root is not read: it is reported to ``sink`` (WV021)
    and left out (see :mod:`wavec.files`).
    """

    def link_out(path: Path, named: bool) -> None:
        if sink is not None:
            report_link_out(sink, path, named)

    return files.collect(paths, config.root, config.excludes, link_out)


def report_link_out(sink: Sink, path: Path, named: bool) -> None:
    """WV021 for ``path``: an error for a file the user named, a warning for one met in a folder."""
    shown = display_path(files.absolute(path))
    span = Span(SourceFile(shown, "", shown), 0, 0)
    sink.report(codes.LINK_OUT_OF_PROJECT, f"{shown} is a link that leads out of the project root; it is not read",
                span, label="link out of the project",
                severity=Severity.ERROR if named else Severity.WARNING,
                help="check files inside the project (the nearest folder with pyproject.toml, wave.toml or .git); "
                     "copy the file in instead of linking to it")


def check(paths: Sequence[Path | str], config: Config | None = None, *, target_constraints: bool = True,
          unsaved: Mapping[Path, str] | None = None) -> CheckResult:
    """Parse, resolve and validate the files (folders are searched for ``*.wave``).

    With ``target_constraints``, every pipeline is also compiled, output discarded, for each target it is
    built for (its own ``targets``, else the configuration's), so what ``wavec build`` would reject (the
    WV9xx of CodePipeline) is reported by ``wavec check`` too — in a pre-commit hook, before CI builds.

    ``unsaved`` maps files (by their resolved path) to text that replaces what is on disk: an editor's buffer,
    checked as it is before it is saved (the language server); an import of such a file reads the text too.
    """

    config = config if config is not None else load_config()
    sink = Sink()
    found = collect_files([Path(p) for p in paths], config, sink)
    loader = Loader(sink, {str(p): text for p, text in unsaved.items()} if unsaved else None)
    modules: list[ir.Module] = []
    with gc_paused():  # parsing and lowering: many small objects, no cycles
        for f in found:
            text = unsaved.get(f.resolve()) if unsaved else None
            if text is None:
                module = loader.load_file(f)
            else:
                module = loader.load_text(text, display_path(files.absolute(f)), files.absolute(f).parent)
            if module is not None:
                modules.append(module)
    for module in modules:
        for pipeline in module.pipelines:
            check_after_cycles(pipeline, sink)
    allowed = enforce_policies(modules, config, loader, sink) + report_secrets(loader, sink)
    named = config.named_codes(_config_name(config))
    if named:
        policy_language.check_configured_codes(modules, named, config.policies, config.root, _config_name(config),
                                               loader, sink)
    if target_constraints:
        check_targets(modules, config, sink)
    if any(d.code in codes.ALLOWABLE for d in sink):
        remaining, builtin_allowed = allowed_builtins(modules, sink.sorted())
        allowed += builtin_allowed
        sink = Sink()
        sink.extend(remaining)
    diagnostics, ignored = apply_config(sink, config)
    shown = _config_name(config)
    suppressions = sorted(
        allowed + [Suppression(d, config.reason(d.code, shown), "external") for d in ignored],
        key=lambda s: s.diagnostic.sort_key())
    entries = {str(f.resolve()) for f in found}
    imported = [Path(k) for k in loader.sources if not k.startswith(("std:", "text:")) and k not in entries]
    return CheckResult(diagnostics, modules, found, [s.diagnostic for s in suppressions], suppressions, imported)


def report_secrets(loader: Loader, sink: Sink) -> list[Suppression]:
    """WV128 for each credential in plain text the loader found; those an `allow WV128` covers are returned."""
    out: list[Suppression] = []
    code = codes.SECRET_IN_PLAIN_TEXT
    for found in loader.secrets:
        diagnostic = Diagnostic(code.code, code.severity, f"{found.kind} in plain text",
                                (Label(found.span, "a credential"),),
                                "pass it in at run time instead: an environment variable of the runner or of "
                                "CodePipeline (`$DB_PASSWORD`), or AWS Secrets Manager; `allow WV128 \"reason\"` "
                                "if it is not a secret")
        if found.allow is not None:
            out.append(Suppression(diagnostic, found.allow.reason, "inSource", found.allow.span))
        else:
            sink.add(diagnostic)
    return out


def check_targets(modules: Sequence[ir.Module], config: Config, sink: Sink) -> None:
    """Compile each pipeline for the targets it is built for and keep only the diagnostics.

    A file with errors is skipped, as ``wavec build`` would stop before compiling it: a target's findings
    on a half-lowered pipeline would be noise. Nothing is imported when no pipeline names a target.
    """
    failed = _files_with_errors(sink, config)
    for module in modules:
        if module.path in failed:
            continue
        for pipeline in module.pipelines:
            for name in pipeline.targets or config.targets:
                _target(name).constraints(pipeline, sink)


def _target(name: str) -> Target:
    from .targets import get_target  # only when a pipeline names a target: `wavec check` of others imports none

    return get_target(name)


def _files_with_errors(sink: Sink, config: Config) -> set[str]:
    """The files with an error as the configuration reports it: an ignored code, or one whose severity the
    configuration lowers, does not take the file's policies away (it would lose governance silently)."""
    out = set()
    for d in sink:
        if d.primary is None or config.dropped(d.code) is not None:
            continue
        if config.severity.get(d.code, d.severity) is Severity.ERROR:
            out.add(d.primary.file.path)
    return out


def _config_name(config: Config) -> str:
    if config.path is None:
        return "the configuration"
    try:
        return config.path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return config.path.name


def enforce_policies(modules: Sequence[ir.Module], config: Config, loader: Loader, sink: Sink
                     ) -> list[Suppression]:
    """Compile every policy of the checked files and enforce, on each pipeline, its own policies and the
    configured ones; returns the findings ``allow`` suppressed."""
    if not config.policies and not any(m.policies or any(p.policies for p in m.pipelines) for m in modules):
        report_unenforced(modules, loader, (), sink)
        return []  # nothing to enforce: do not even import the engine

    # A file with errors is not held to policies: its pipelines are lowered from what could be read, and a
    # rule's findings on them (a wave "bakes 0s" when its `bake` was misspelt) would repeat those errors.
    # (Errors of the policies themselves, reported below, do not count: their other rules still apply.)
    failed = _files_with_errors(sink, config)
    configured, extra = policy_language.load_configured(loader, config.policies, config.root, _config_name(config),
                                                        sink)
    report_unenforced(modules, loader, extra, sink)
    engine = policy_language.Engine(sink, [*modules, *extra])
    for module in modules:
        for policy in module.policies:
            engine.compile_policy(policy)
    failed_import = {c.code for c in (codes.IMPORT_NOT_FOUND, codes.IMPORT_CYCLE, codes.IMPORT_OUTSIDE_PROJECT,
                                      codes.IMPORT_BINDING)}
    import_failed = any(d.code in failed_import for d in sink)
    out: list[Suppression] = []
    for module in modules:
        if module.path in failed:
            continue
        for pipeline in module.pipelines:
            policies = list(pipeline.policies) + [p for p in configured if p not in pipeline.policies]
            out += engine.enforce(pipeline, policies, module.allows, check_allows=not import_failed)
    return out


def apply_config(sink: Sink, config: Config) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Drop ignored codes and apply severity overrides; return (kept, ignored), both sorted."""
    kept: list[Diagnostic] = []
    dropped: list[Diagnostic] = []
    for d in sink.sorted():
        if config.dropped(d.code) is not None:
            dropped.append(d)
            continue
        level = config.severity.get(d.code)
        kept.append(d.with_severity(level) if level is not None else d)
    return kept, dropped


class PipelineChoiceError(Exception):
    """The file has no pipeline, several and none chosen, or none of the chosen name."""


def select_pipeline(result: CheckResult, name: str | None) -> ir.Pipeline:
    """The pipeline ``name`` of the checked files, or the only one when ``name`` is ``None``."""
    pipelines = result.pipelines
    if name is not None:
        for p in pipelines:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in pipelines) or "none"
        raise PipelineChoiceError(f"no pipeline named {name!r} (pipelines: {known})")
    if len(pipelines) == 1:
        return pipelines[0]
    if not pipelines:
        raise PipelineChoiceError("the file defines no pipeline")
    raise PipelineChoiceError(
        f"the file defines {len(pipelines)} pipelines ({', '.join(p.name for p in pipelines)}); "
        "choose one with --pipeline NAME"
    )


@record(frozen=False)
class BuildResult:
    """The output of ``build`` (``None`` when an error prevented it) and every diagnostic on the way."""

    output: str | None
    diagnostics: list[Diagnostic]
    pipeline: ir.Pipeline | None = None
    document: Any = None
    """With ``build(..., stream=True)`` and a target that streams: its document instead of ``output``, made
    while :meth:`write_to` writes it."""
    writer: Callable[[Any, Callable[[str], object]], None] | None = None
    """The target's writer of ``document``."""

    @property
    def ok(self) -> bool:
        """Whether there is something to write (no error prevented it)."""
        return self.output is not None or self.document is not None

    def write_to(self, write: Callable[[str], object]) -> None:
        """Write the output through ``write``: the text, or the document in pieces (the same bytes)."""
        if self.document is not None and self.writer is not None:
            self.writer(self.document, write)
        elif self.output is not None:
            write(self.output)


def build(path: Path | str, target: str, fmt: str | None = None, pipeline: str | None = None,
          config: Config | None = None, *, stream: bool = False) -> BuildResult:
    """Check ``path`` and compile one of its pipelines for ``target`` (``codepipeline`` or ``local``).

    With ``stream``, a target that can hand over its JSON document (``local``) does, and the result's
    :meth:`BuildResult.write_to` writes it in pieces instead of the whole text being held in ``output``.
    Raises :class:`PipelineChoiceError` when the pipeline to build is ambiguous or unknown.
    """

    from .dag.build import build as build_graph
    from .targets.base import BuildOptions

    config = config if config is not None else load_config()
    result = check([Path(path)], config, target_constraints=False)  # the chosen target reports its own
    if result.errors:
        return BuildResult(None, result.diagnostics)
    chosen = select_pipeline(result, pipeline)
    sink = Sink()
    graph = build_graph(chosen)
    compiler = _target(target)
    make_document = getattr(compiler, "document", None) if stream else None
    writer = getattr(compiler, "write", None)
    output: str | None = None
    document: Any = None
    if make_document is not None and writer is not None:
        document = make_document(chosen, graph, BuildOptions(fmt), sink)
    else:
        output = compiler.compile(chosen, graph, BuildOptions(fmt), sink)
    extra, _ = apply_config(sink, config)
    diagnostics = sorted(result.diagnostics + extra, key=Diagnostic.sort_key)
    if any(d.severity is Severity.ERROR for d in extra):
        output = document = None
    return BuildResult(output, diagnostics, chosen, document, writer)
