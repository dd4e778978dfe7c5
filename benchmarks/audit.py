"""The start-up import audit: what ``wavec check`` imports, and what it must not.

``wavec check`` runs in pre-commit hooks on every commit, so every module it imports is paid
for on every commit. The heavy libraries of other commands (boto3 for ``deploy``, jinja2 for
``plan --html``, rich for ``run``'s live table) must stay out of its way.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .measure import python

FORBIDDEN = ("boto3", "botocore", "jinja2", "rich")
"""Top-level packages ``wavec check`` must never import."""

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


@dataclass(frozen=True)
class Import:
    """One line of ``-X importtime``: self and cumulative microseconds, nesting level, module name."""

    self_us: int
    cumulative_us: int
    level: int
    module: str


def parse_importtime(stderr: str) -> list[Import]:
    """The imports listed by ``python -X importtime`` (in the order Python finished them)."""
    out: list[Import] = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            out.append(Import(int(m.group(1)), int(m.group(2)), (len(m.group(3)) - 1) // 2, m.group(4)))
    return out


@dataclass(frozen=True)
class Audit:
    """The result of the audit of one command."""

    command: tuple[str, ...]
    imports: tuple[Import, ...]

    @property
    def forbidden(self) -> list[str]:
        """Forbidden packages (or submodules of them) that were imported."""
        return sorted({i.module for i in self.imports if i.module.split(".")[0] in FORBIDDEN})

    @property
    def total_us(self) -> int:
        """Time spent importing, summed over top-level imports (microseconds)."""
        return sum(i.cumulative_us for i in self.imports if i.level == 0)

    def heaviest(self, n: int = 10) -> list[Import]:
        """The ``n`` top-level imports that cost the most, with what they pulled in."""
        return sorted((i for i in self.imports if i.level == 0), key=lambda i: -i.cumulative_us)[:n]


def audit(args: Sequence[str] = ("check", "examples/minimal.wave"), cwd: Path | None = None) -> Audit:
    """Run ``python -X importtime -m wavec ARGS`` and collect what it imported."""
    command = (python(), "-X", "importtime", "-m", "wavec", *args)
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    return Audit(command, tuple(parse_importtime(proc.stderr)))
