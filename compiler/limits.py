"""Limits that keep every layer linear and bounded, each reported as a diagnostic, never a crash.

The numbers are far beyond any real pipeline (the benchmarks generate 16k waves) and low enough that no
input can exhaust the stack or the memory of a pre-commit hook. They are documented in docs/language.md.
"""

from __future__ import annotations

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest `.wave` file read (16 MiB)."""

MAX_DEPTH = 64
"""Deepest nesting of blocks and expressions together, of `let` chains and of import chains."""

MAX_STRING = 64 * 1024
"""Longest string literal, in characters."""

MAX_WAVES = 50_000
"""Most waves in one pipeline."""

MAX_TARGETS = 5_000
"""Most targets (regions × accounts) in one wave."""

MAX_STAGES = 1_000
"""Most stages in one pipeline, and steps in one stage."""

MAX_DIGITS = 1000
"""Most digits in each run of digits of a number literal: far more than any value needs, and below the 4,300
that ``int()`` accepts."""

MAX_DURATION_S = 365 * 86400
"""Longest duration an attribute takes (a year): a CodePipeline bake waits in a Step Functions execution, which
lasts at most a year, and a plan's timeline must stay within the calendar."""
