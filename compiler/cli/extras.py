"""Optional dependencies: the commands that need one say which ``wavec[...]`` extra installs it.

``pip install wavec`` holds what ``check``, ``fmt``, ``plan``, ``graph`` and ``run`` need. AWS's SDK is the
``aws`` extra (``wavec deploy``, ``build --target codepipeline``, ``run --aws``); the CodePipeline emulator is
``emulate``. A command calls :func:`require` before it imports any of them, so a missing one is a usage error
(exit 2) that names the extra, not an ``ImportError`` traceback from deep inside the command.
"""

from __future__ import annotations

import importlib.util

from .errors import UsageError

# Extra → the import names a command of it needs (the distributions pyproject.toml's extra installs).
EXTRAS: dict[str, tuple[str, ...]] = {
    "aws": ("boto3", "botocore"),
    "emulate": ("boto3", "botocore", "jmespath"),
}


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing them)."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require(extra: str, what: str) -> None:
    """A :class:`UsageError` naming the extra when a module of ``extra`` is not installed.

    ``what`` says what needs it, e.g. ``"wavec deploy"`` or ``"--aws (CloudWatch alarms)"``.
    """
    absent = missing(extra)
    if absent:
        raise UsageError(f"{what} needs {', '.join(absent)}, which {'is' if len(absent) == 1 else 'are'} not "
                         f"installed: pip install 'wavec[{extra}]'")
