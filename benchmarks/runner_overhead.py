"""The local runner's own overhead per node (not a timed test: prints numbers).

Builds a plan of N steps running `true` in a chain, runs the compiled plan
with `wavec run` in this process (journal fsyncs included, compilation not), and compares with spawning
`/bin/sh -c true` N times directly. The difference divided by N is what the
runner adds per node: scheduling, journaling (flush + fsync), environment,
logging.

    python benchmarks/runner_overhead.py [N]
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


def pipeline(n: int) -> str:
    steps = "\n".join(f'    step s{i} {{ run = "true"{f"  after = [s{i - 1}]" if i else ""} }}' for i in range(n))
    return (f'pipeline bench {{\n  role = "arn:aws:iam::111122223333:role/b"\n'
            f'  source s3 {{ bucket = "b"  key = "k" }}\n'
            f'  stage chain {{\n{steps}\n  }}\n  deploy {{ local {{ run = "true"  rollback = "true" }} }}\n'
            f'  wave only {{ regions = ["eu-west-1"] }}\n}}\n')


def main() -> None:
    from wavec.cli.app import main as wavec

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
