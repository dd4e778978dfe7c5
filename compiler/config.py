"""Project configuration: ``[tool.wavec]`` in ``pyproject.toml`` and ``wave.toml``, merged; code selection.

Found from each checked path upwards: the nearest folder holding a ``wave.toml`` or a ``pyproject.toml`` with a
``[tool.wavec]`` table is the project's; when it holds both, both are read. ``--config FILE`` adds one more.
They are **merged**, never replaced, with this precedence (highest first): the command line, ``--config``,
``wave.toml``, ``pyproject.toml``. List keys (``policies``, ``ignore``, ``exclude``, ``targets``) are the
union of every file's lists, so no file can drop another's policy; the ``severity`` table is merged code by
code, the higher file winning, and each such override is recorded in :attr:`Config.notes` (the CLI prints
them) so nothing is lost silently.

Keys: ``policies`` (import paths enforced on every pipeline), ``ignore`` (codes or code prefixes not
reported), ``severity`` (code → ``error``/``warning``/``info``), ``exclude`` (gitignore-style patterns of
paths not to check), ``targets`` (the targets every pipeline is built for, whose constraints ``wavec check``
reports; a pipeline's own ``targets = [...]`` replaces them).

Which codes are reported follows ruff: the files' ``ignore`` first, then the command line's ``--select``
(which starts afresh: only what it names), ``--extend-select`` (adds) and ``--ignore`` (removes); within one
layer the most specific selector (the longest prefix) decides, and ``ignore`` wins a tie.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .diagnostics import Severity
from .diagnostics.codes.policy import UNKNOWN_CONFIGURED_CODE
from .records import field, record, replace
from .semantics.schema import TARGET_NAMES, TargetName

KEYS = ("policies", "ignore", "severity", "exclude", "targets")
UNKNOWN_CODE = UNKNOWN_CONFIGURED_CODE.code
ALL = "ALL"
"""The selector every code starts with."""


class ConfigError(Exception):
    """A configuration file that cannot be used; the CLI reports it as a usage error (exit 2)."""


@record
class Selection:
    """The command line's ``--select`` / ``--extend-select`` / ``--ignore`` (codes or prefixes, or ``ALL``)."""

    select: tuple[str, ...] | None = None
    """``None`` keeps what the configuration files report; a tuple reports only the codes it matches."""
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def selectors(self) -> list[tuple[str, str]]:
        """``(selector, option)`` for every selector named, for checking that each names a code."""
        out = [(s, "--select") for s in self.select or ()]
        return out + [(s, "--extend-select") for s in self.extend_select] + [(s, "--ignore") for s in self.ignore]


def _specificity(code: str, selectors: Iterable[str]) -> int:
    """How specifically ``selectors`` name ``code``: the longest matching prefix (``ALL`` counts 0), -1 none."""
    best = -1
    for s in selectors:
        if s == ALL:
            best = max(best, 0)
        elif code.startswith(s):
            best = max(best, len(s))
    return best


@record
class Config:
    """Effective configuration; ``path`` is the file of highest precedence read, ``None`` for the defaults."""

    policies: tuple[str, ...] = ()
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    path: Path | None = None
    targets: tuple[TargetName, ...] = ()
    sources: tuple[Path, ...] = ()
    """Every configuration file merged, lowest precedence first."""
    excludes: tuple[tuple[Path, tuple[str, ...]], ...] = ()
    """``exclude`` patterns with the folder each file's patterns are relative to."""
    command_line: Selection = Selection()
    notes: tuple[str, ...] = ()
    """What the merge overrode (a severity two files set differently), for the user to read."""

    @property
    def root(self) -> Path:
        """The folder the configuration belongs to (relative policies and excludes start there)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def with_selection(self, selection: Selection) -> Config:
        """This configuration with the command line's code selection."""
        return replace(self, command_line=selection)

    def dropped(self, code: str) -> str | None:
        """Which setting drops findings of ``code`` (``ignore``, ``--ignore`` or ``--select``), ``None`` if none.

        Syntax errors (``WV0xx``) are never dropped by ``--select``: a file that does not parse is never
        reported as passing. WV313 (a code named here that does not exist) is never dropped at all: a
        misspelt selector must not hide its own mistake.
        """
        if code == UNKNOWN_CODE:
            return None
        why: str | None = "ignore" if _specificity(code, self.ignore) >= 0 else None
        cli = self.command_line
        if cli.select is not None:  # starts afresh, as ruff's: the files' `ignore` no longer applies
            on = _specificity(code, (*cli.select, *cli.extend_select))
            why = None if on >= 0 or code.startswith("WV0") else "--select"
        else:
            on = _specificity(code, cli.extend_select)
            if on >= 0:
                why = None
        off = _specificity(code, cli.ignore)
        if off >= 0 and off >= on:  # the more specific selector wins; `--ignore` wins a tie
            why = "--ignore"
        return why

    def reason(self, code: str, shown: str) -> str:
        """The sentence a suppressed finding of ``code`` carries (``--show-suppressed``, SARIF); ``shown`` names
        the configuration file."""
        why = self.dropped(code)
        if why == "--select":
            return "not selected by `--select` on the command line"
        if why == "--ignore":
            return "ignored by `--ignore` on the command line"
        return f"ignored by `ignore` in {shown}"

    def named_codes(self, shown: str) -> dict[str, str]:
        """Every code or prefix the configuration and command line name → where (for WV313), ``ALL`` left out."""
        named = {c: f"`severity` in {shown}" for c in self.severity}
        named.update({c: f"`ignore` in {shown}" for c in self.ignore})
        named.update({c: f"`{option}` on the command line" for c, option in self.command_line.selectors()})
        named.pop(ALL, None)
        return named


def configs_in(folder: Path) -> list[Path]:
    """The configuration files of one folder, lowest precedence first: ``pyproject.toml`` (when it has a
    ``[tool.wavec]`` table), then ``wave.toml``."""
    found: list[Path] = []
    pyproject = folder / "pyproject.toml"
    try:
        if pyproject.is_file() and "[tool.wavec" in pyproject.read_text(encoding="utf-8", errors="replace"):
            found.append(pyproject)
    except OSError:
        pass  # an unreadable pyproject.toml belongs to some other tool; look further up
    if (folder / "wave.toml").is_file():
        found.append(folder / "wave.toml")
    return found


def find_configs(start: Path | None = None, memo: dict[Path, tuple[Path, ...]] | None = None
                 ) -> tuple[Path, ...]:
    """The configuration files that apply to ``start`` (default: the working directory), lowest precedence
    first: those of the nearest folder that has any (see :func:`configs_in`). ``memo`` (folder → answer)
    spares re-reading the folders above when many folders are asked about."""
    folder = (start or Path.cwd()).resolve()
    memo = memo if memo is not None else {}
    climbed: list[Path] = []
    answer: tuple[Path, ...] = ()
    for d in (folder, *folder.parents):
        if d in memo:
            answer = memo[d]
            break
        climbed.append(d)
        found = configs_in(d)
        if found:
            answer = tuple(found)
            break
    for d in climbed:
        memo[d] = answer
    return answer


def find_config(start: Path | None = None) -> Path | None:
    """The configuration file of highest precedence that applies to ``start`` (see :func:`find_configs`)."""
    found = find_configs(start)
    return found[-1] if found else None


@record(frozen=False)
class _File:
    path: Path
    policies: tuple[str, ...]
    ignore: tuple[str, ...]
    severity: dict[str, Severity]
    exclude: tuple[str, ...]
    targets: tuple[TargetName, ...]


def _read(path: Path) -> _File:
    import tomllib  # only for a folder that has a configuration: most checks read none

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table: Any = data.get("tool", {}).get("wavec", {}) if path.name == "pyproject.toml" else data
    table = table.get("tool", {}).get("wavec", table) if path.name == "wave.toml" else table
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.wavec] must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown configuration key {unknown[0]!r} (known: {', '.join(KEYS)})")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: `{key}` must be a list of strings")
        return tuple(value)

    severity: dict[str, Severity] = {}
    raw = table.get("severity", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: `severity` must be a table of code = level")
    for code, level in raw.items():
        try:
            severity[str(code)] = Severity(level)
        except ValueError:
            raise ConfigError(f"{path}: severity of {code} must be error, warning or info, not {level!r}") from None
    targets: list[TargetName] = []
    for name in strings("targets"):
        known = next((t for t in TARGET_NAMES if t == name), None)
        if known is None:
            raise ConfigError(f"{path}: unknown target {name!r} in `targets` (known: {', '.join(TARGET_NAMES)})")
        if known not in targets:
            targets.append(known)
    return _File(path, strings("policies"), strings("ignore"), severity, strings("exclude"), tuple(targets))


def _union(*lists: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for xs in lists for x in xs))


def merge(paths: list[Path]) -> Config:
    """Read ``paths`` (lowest precedence first) and merge them into one configuration."""
    read = [_read(p) for p in dict.fromkeys(paths)]
    if not read:
        return Config()
    top = read[-1].path
    root = top.parent
    policies: list[str] = []
    severity: dict[str, Severity] = {}
    setter: dict[str, Path] = {}
    notes: list[str] = []
    for f in read:
        for spec in f.policies:
            # A relative path is relative to its own file's folder; the merged configuration's root is the top
            # file's, so a path from another folder is made absolute.
            if not spec.startswith("std/") and f.path.parent.resolve() != root.resolve():
                spec = str((f.path.parent / spec).resolve())
            policies.append(spec)
        for code, level in f.severity.items():
            if code in severity and severity[code] != level:
                notes.append(f"{_shown(f.path)} sets the severity of {code} to {level.value}, over "
                             f"{severity[code].value} in {_shown(setter[code])}")
            severity[code] = level
            setter[code] = f.path
    targets: list[TargetName] = []
    for f in read:
        targets += [t for t in f.targets if t not in targets]
    return Config(_union(policies), frozenset(_union(*(f.ignore for f in read))), severity,
                  _union(*(f.exclude for f in read)), top, tuple(targets),
                  tuple(f.path for f in read), tuple((f.path.parent, f.exclude) for f in read if f.exclude),
                  notes=tuple(notes))


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """The configuration found from ``start`` (default: the working directory), merged under ``path``
    (``--config``) when given; the defaults when there is none."""
    found = list(find_configs(start))
    if path is not None:
        real = path.resolve()
        found = [p for p in found if p.resolve() != real] + [path]
    return merge(found)
