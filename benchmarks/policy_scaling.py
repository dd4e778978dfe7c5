"""Benchmark: policy evaluation is linear in the size of the plan.

Generates pipelines of 1,000 and 4,000 waves (with gates, windows, stages),
lowers each once, then times only the enforcement of the standard-library
policies (`hands_off` and `governance`: 18 rules) on it, best of several
runs. Prints the time per wave and the ratio 4k/1k: linear evaluation gives
a ratio near 4 (quadratic would give 16). Not a timed test: run it by hand,

    python benchmarks/policy_scaling.py [--sizes 1000 4000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2",
           "sa-east-1", "ca-central-1"]


def generate(waves: int) -> str:
    """A hands-off pipeline with ``waves`` waves (each reaching one region after the first few)."""
    lines = [
        'import "std/policies/hands_off"', 'import "std/policies/governance"', 'import "std/windows"', "",
        "pipeline big {",
        '  role      = "arn:aws:iam::111122223333:role/big-pipeline"',
        '  artifacts = "big-artifacts-${region}"',
        "  policies  = [hands_off, governance]",
        '  source s3 { bucket = "big-source"  key = "big.zip" }',
        "  stage sandbox {",
        '    environment { create = "make up"  destroy = "make down" }',
        '    step unit  { kind = test    run = "make test" }',
        '    step scan  { kind = scan    run = "trivy fs ." }',
        '    step guard { kind = policy  run = "cfn-guard validate" }',
        "  }",
        '  deploy { local { run = "./deploy.sh"  rollback = "./rollback.sh" } }',
        '  gate health { alarms = ["big-5xx-${region}"]  blockers = ["big-sev2-${region}"] }',
    ]
    for i in range(waves):
        extra = "  exposure = 1%" if i == 0 else ""
        region = REGIONS[i % len(REGIONS)]
        lines.append(f'  wave w{i} {{ regions = ["{region}"]{extra}  bake = 1h  gates = [health]'
                     "  windows = [windows.business_hours] }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def measure(waves: int, repeat: int) -> tuple[float, int]:
    """Best enforcement time in seconds, and the number of findings (0 expected)."""
    from wavec.diagnostics import Sink
    from wavec.policy.engine import Engine
    from wavec.semantics.loader import Loader

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.wave"
        path.write_text(generate(waves), encoding="utf-8")
        sink = Sink()
        module = Loader(sink).load_file(path)
        assert module is not None and not sink.has_errors, [d.message for d in sink]
        [pipeline] = module.pipelines
        best = float("inf")
        findings = 0
        for _ in range(repeat):
            run_sink = Sink()
            engine = Engine(run_sink, [module])
            for policy in pipeline.policies:  # compile outside the timed part: it does not grow with the plan
                engine.compile_policy(policy)
            start = time.perf_counter()
            engine.enforce(pipeline, pipeline.policies, module.allows)
            best = min(best, time.perf_counter() - start)
            findings = len(run_sink)
        return best, findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        seconds, findings = measure(n, args.repeat)
        results.append((n, seconds))
        print(f"{n:>6} waves: {seconds * 1000:8.1f} ms  ({seconds / n * 1e6:6.1f} µs per wave, "
              f"{findings} findings)")
    (n0, t0), (n1, t1) = results[0], results[-1]
    print(f"ratio {n1}/{n0} waves: time × {t1 / t0:.2f} for size × {n1 / n0:.0f} "
          f"(linear ≈ {n1 / n0:.0f}, quadratic ≈ {(n1 / n0) ** 2:.0f})")


if __name__ == "__main__":
    main()
