"""The local runner's own overhead per node (not a timed test: prints numbers).

Builds a plan of N steps running `true` in a chain, runs the compiled plan
with `wavec run` in this process (journal fsyncs included, compilation not), and compares with spawning
`/bin/sh -c true` N times directly. The difference divided by N is what the
runner adds per node: scheduling, journaling (flush + fsync), environment,
logging.

    python benchmarks/runner_overhead.py [N]

For timing from outside (whole processes, e.g. ``/usr/bin/time``), two helpers:

    python benchmarks/runner_overhead.py plan N chain|wide DIR   # write DIR/plan.json (N steps)
    python benchmarks/runner_overhead.py spawn N                 # the floor: N x /bin/sh -c true

then time ``wavec run DIR/plan.json --jobs 4 --speed 1000000`` against ``spawn N+1`` at two sizes; the
difference of the slopes is the runner's cost per executed node. ``wide`` steps are independent (``--jobs``
of them run at once); ``chain`` steps each wait for the one before.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def pipeline(n: int, shape: str = "chain") -> str:
    """A pipeline of ``n`` steps running ``true``: each after the one before (``chain``) or all independent."""
    def after(i: int) -> str:
        return f"  after = [s{i - 1}]" if i and shape == "chain" else ""

    steps = "\n".join(f'    step s{i} {{ run = "true"{after(i)} }}' for i in range(n))
    return (f'pipeline bench {{\n  role = "arn:aws:iam::111122223333:role/b"\n'
            f'  source s3 {{ bucket = "b"  key = "k" }}\n'
            f'  stage chain {{\n{steps}\n  }}\n  deploy {{ local {{ run = "true"  rollback = "true" }} }}\n'
            f'  wave only {{ regions = ["eu-west-1"] }}\n}}\n')


def write_plan(n: int, shape: str, folder: Path) -> None:
    """Compile the ``shape`` pipeline of ``n`` steps to ``folder/plan.json``."""
    from wavec.cli.app import main as wavec

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.wave").write_text(pipeline(n, shape))
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        code = wavec(["build", "bench.wave", "--target", "local", "-o", "plan.json"])
    finally:
        os.chdir(cwd)
    assert code == 0


def spawn(n: int) -> None:
    """The floor a runner is measured against: ``n`` bare ``/bin/sh -c true``, one after the other."""
    for _ in range(n):
        subprocess.run(["/bin/sh", "-c", "true"], check=True)


def main() -> None:
    from wavec.cli.app import main as wavec

    if sys.argv[1:2] == ["plan"]:
        write_plan(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
        return
    if sys.argv[1:2] == ["spawn"]:
        spawn(int(sys.argv[2]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bench.wave").write_text(pipeline(n))
        start = time.perf_counter()
        for _ in range(n + 1):  # the steps plus the deploy
            subprocess.run(["/bin/sh", "-c", "true"], check=True)
        direct = time.perf_counter() - start
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                wavec(["build", "bench.wave", "--target", "local", "-o", "plan.json"])  # compile: not measured
                wavec(["run", "plan.json", "--speed", "1000000"])  # warm the runner's imports
                start = time.perf_counter()
                code = wavec(["run", "plan.json", "--speed", "1000000"])
                runner = time.perf_counter() - start
        finally:
            os.chdir(cwd)
    assert code == 0, out.getvalue()
    nodes = n + 2  # steps, deploy, bake
    print(f"nodes: {nodes}")
    print(f"direct /bin/sh -c true x{n + 1}: {direct:.3f}s ({direct / (n + 1) * 1000:.2f} ms each)")
    print(f"wavec run plan.json:           {runner:.3f}s ({runner / nodes * 1000:.2f} ms per node)")
    print(f"runner overhead per node:      {(runner - direct) / nodes * 1000:.2f} ms")


if __name__ == "__main__":
    main()
