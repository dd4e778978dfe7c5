"""A Commands action's retries and timeout: its commands as one line that runs them in attempts."""

from __future__ import annotations

import shlex


def attempts(commands: list[str], retries: int, timeout_s: int | None) -> list[str]:
    """The commands of a Commands action as one that runs them ``1 + retries`` times at most, each attempt
    stopped after ``timeout_s`` (coreutils ``timeout``, on the action's managed image), as ``wavec run`` runs
    a step: a Commands action has no retry setting and only its own 55-minute limit (rule 18), and a stage
    retry re-runs a failed action once (rule 21).

    The commands are the arguments of the shells, never spliced into their text, and each attempt runs them in
    one shell with ``set -e`` (``eval`` of each in turn), as ``wavec run`` runs a step's lines; the result is one
    line, as a Commands action takes (WV916).
    """
    if not retries and timeout_s is None:
        return commands
    inner = shlex.quote('set -e; for c in "$@"; do eval "$c"; done')
    attempt = ("" if timeout_s is None else f"timeout {timeout_s} ") + f'sh -c {inner} _ "$@"'
    args = " ".join(shlex.quote(c) for c in commands)
    if not retries:
        return [f"sh -c {shlex.quote(attempt)} _ {args}"]
    loop = (f'n=0; until {attempt}; do n=$((n + 1)); [ "$n" -le {retries} ] || exit 1; '
            f'echo "attempt $((n + 1)) of {retries + 1}" >&2; done')
    return [f"sh -c {shlex.quote(loop)} _ {args}"]
