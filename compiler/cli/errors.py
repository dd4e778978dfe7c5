"""Exit codes and the usage error: the contract of every command, importing nothing.

0 success, 1 the input has errors, 2 usage error or unreadable file, 3 a runtime failure (a rollout rolled
back, an AWS call failed), 130 interrupted.
"""

from __future__ import annotations

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A usage problem found after parsing (an unreadable file, a bad configuration): exit 2."""
