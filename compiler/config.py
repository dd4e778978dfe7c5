"""Project configuration: ``[tool.wavec]`` in ``pyproject.toml`` or a ``wave.toml`` at the project root.

Searched from the working directory upwards; the first ``wave.toml``, or
``pyproject.toml`` with a ``[tool.wavec]`` table, wins. Keys: ``policies``
(import paths enforced on every pipeline), ``ignore`` (codes), ``severity``
(code → ``error``/``warning``/``info``), ``exclude`` (globs of paths not to check), ``targets`` (the
targets every pipeline is built for, whose constraints ``wavec check`` reports; a pipeline's own
``targets = [...]`` replaces them).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Severity
from .semantics.schema import TARGET_NAMES, TargetName

KEYS = ("policies", "ignore", "severity", "exclude", "targets")


class ConfigError(Exception):
    """A configuration file that cannot be used; the CLI reports it as a usage error (exit 2)."""


@dataclass(frozen=True)
class Config:
    """Effective configuration; ``path`` is where it was read, ``None`` for the defaults."""

    policies: tuple[str, ...] = ()
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    path: Path | None = None
    targets: tuple[TargetName, ...] = ()

    @property
    def root(self) -> Path:
        """The folder the configuration belongs to (relative policies and excludes start there)."""
        return self.path.parent if self.path is not None else Path.cwd()


def find_config(start: Path | None = None) -> Path | None:
    """The configuration file that applies to ``start`` (default: the working directory)."""
    folder = (start or Path.cwd()).resolve()
    for d in (folder, *folder.parents):
        if (d / "wave.toml").is_file():
            return d / "wave.toml"
        pyproject = d / "pyproject.toml"
        if pyproject.is_file() and "[tool.wavec" in pyproject.read_text(encoding="utf-8", errors="replace"):
            return pyproject
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Read the configuration at ``path``, or the one found from ``start``; defaults when none."""
    path = path or find_config(start)
    if path is None:
        return Config()
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
    return Config(strings("policies"), frozenset(strings("ignore")), severity, strings("exclude"), path,
                  tuple(targets))
