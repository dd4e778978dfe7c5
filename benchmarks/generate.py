"""Generators of realistic, large ``.wave`` projects (written to a folder you choose, never committed).

Two shapes:

* ``org`` — what a platform team's repository looks like: many service pipelines in one file,
  each with a build stage, a sandbox stage with tests, a scan and a policy check, a performance
  stage, two deploy profiles, its own gate and a handful of production waves (one box, first
  region, then growing sets of regions and accounts). The waves are spread over pipelines.
* ``wide`` — one pipeline holding every wave: the worst case for the graph layers and targets.

Both import a local module (``./shared/ops.wave``: shared gates, windows and region lists) and
``std/windows``, and check without errors or warnings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Regions of the `aws` partition (every one is known to botocore's endpoint data).
REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1", "me-south-1",
    "af-south-1",
)
ACCOUNT = "111122223333"
SHAPES = ("org", "wide")

SHARED_MODULE = '''\
# shared/ops.wave: gates, windows and region groups every service pipeline uses.
let europe = ["eu-west-1", "eu-west-2", "eu-central-1", "eu-north-1"]
let americas = ["us-east-2", "us-west-2", "ca-central-1", "sa-east-1"]
let asia = ["ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "ap-south-1"]
let bake_long = 2h

# Paging alarms owned by the operations team; any in ALARM stops the wave.
gate paging {
  alarms    = ["ops-paging-${region}", "ops-dependency-errors-${region}"]
  blockers  = ["ops-sev1-open-${region}"]
  on_breach = rollback_all
  interval  = 2m
}

gate approval {
  approval  = true
  on_breach = halt
}

window change_hours {
  days     = [mon, tue, wed, thu]
  hours    = [08:00, 16:00]
  timezone = "Europe/Dublin"
}
'''


@dataclass(frozen=True)
class Project:
    """A generated project: the entry file and every file written."""

    entry: Path
    files: tuple[Path, ...]
    waves: int
    pipelines: int


def _pipeline(index: int, waves: int, first_wave: int) -> Iterator[str]:
    """One service pipeline with ``waves`` production waves, numbered from ``first_wave``."""
    svc = f"svc{index:05d}"
    home = REGIONS[index % len(REGIONS)]
    yield f"# {svc}: build, sandbox tests, scans, then {waves} production waves."
    yield f"pipeline {svc} {{"
    yield f'  role           = "arn:aws:iam::{ACCOUNT}:role/{svc}-pipeline"'
    yield f'  artifacts      = "acme-{svc}-artifacts-${{region}}"'
    yield f'  encryption_key = "arn:aws:kms:${{region}}:{ACCOUNT}:key/{svc}-artifacts"'
    yield f"  execution_mode = {('superseded', 'queued')[index % 2]}"
    yield ""
    yield "  source github {"
    yield f'    repo       = "acme/{svc}"'
    yield '    branch     = "main"'
    yield (f'    connection = "arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/'
           f'7d2c1a9e-1f0e-4b6d-9b51-{index:012d}"')
    yield "  }"
    yield ""
    yield "  stage build {"
    yield "    step compile {"
    yield "      kind    = build"
    yield '      run     = ["make build", "make package VERSION=${commit}"]'
    yield '      outputs = ["dist/**"]'
    yield '      image   = "aws/codebuild/standard:7.0"'
    yield "      timeout = 30m"
    yield "    }"
    yield "    step lint { kind = test  run = \"make lint\"  timeout = 10m }"
    yield "  }"
    yield ""
    yield "  stage sandbox {"
    yield "    environment {"
    yield f'      create  = "make sandbox-up ENV=sbx-{svc}-${{execution}}"'
    yield f'      destroy = "make sandbox-down ENV=sbx-{svc}-${{execution}}"'
    yield f'      region  = "{home}"'
    yield "    }"
    yield '    step unit        { kind = test    run = "make test" }'
    yield (f'    step integration {{ kind = test    run = "make integration-test ENV=sbx-{svc}-${{execution}}"'
           "  after = [unit] }")
    yield '    step contract    { kind = test    run = "make contract-test"  after = [unit]  retries = 1 }'
    yield '    step scan        { kind = scan    run = "trivy fs --exit-code 1 --severity HIGH,CRITICAL ." }'
    yield '    step guard       { kind = policy  run = "cfn-guard validate -d dist/infra -r policy/" }'
    yield "  }"
    yield ""
    yield "  stage perf {"
    yield "    after = [sandbox]"
    yield "    step load {"
    yield "      kind    = test"
    yield '      run     = "k6 run perf/${stage}.js"'
    yield f'      env     = {{ TARGET = "https://{svc}.sbx.example.com", VUS = "50" }}'
    yield "      timeout = 45m"
    yield "    }"
    yield "  }"
    yield ""
    yield "  deploy {"
    yield f'    role = "arn:aws:iam::${{account}}:role/{svc}-deploy-${{region}}"'
    yield "    cloudformation {"
    yield f'      stack        = "{svc}"'
    yield f'      role         = "arn:aws:iam::${{account}}:role/{svc}-cloudformation"'
    yield '      template     = "build::dist/infra/service.yaml"'
    yield '      capabilities = ["CAPABILITY_NAMED_IAM"]'
    yield f'      parameters   = {{ Service = "{svc}", Stage = "prod", Region = "${{region}}" }}'
    yield "    }"
    yield f'    local {{ run = "./deploy.sh {svc} ${{region}}"  rollback = "./rollback.sh {svc} ${{region}}" }}'
    yield "  }"
    yield ""
    yield "  deploy onebox {"
    yield "    cloudformation {"
    yield f'      stack      = "{svc}-onebox"'
    yield f'      role       = "arn:aws:iam::${{account}}:role/{svc}-cloudformation"'
    yield '      template   = "build::dist/infra/service.yaml"'
    yield '      parameters = { Stage = "prod", Capacity = "1" }'
    yield "    }"
    yield (f'    local {{ run = "./deploy.sh {svc} ${{region}} --onebox"  '
           f'rollback = "./rollback.sh {svc} ${{region}} --onebox" }}')
    yield "  }"
    yield ""
    yield "  gate health {"
    yield f'    alarms    = ["{svc}-5xx-${{region}}", "{svc}-latency-p99-${{region}}"]'
    yield f'    blockers  = ["{svc}-sev2-open-${{region}}"]   # an unhealthy region takes no new change'
    yield "    on_breach = rollback"
    yield "    interval  = 1m"
    yield "  }"
    yield ""
    groups = ("ops.europe", "ops.americas", "ops.asia")
    for w in range(waves):
        n = first_wave + w
        name = f"w{n:05d}"
        if w == 0:
            yield f"  wave {name} {{"
            yield f'    regions  = ["{home}"]'
            yield "    deploy   = onebox"
            yield "    exposure = 0.5%"
            yield "    exposure_by = profile   # the onebox stack is what reaches only that share"
            yield "    bake     = 1h"
            yield "    gates    = [health]"
            yield "    windows  = [windows.business_hours]"
            yield "  }"
        elif w == 1:
            yield f'  wave {name} {{ regions = ["{home}"]  bake = ops.bake_long  gates = [health, ops.paging]'
            yield "    windows = [ops.change_hours] }"
        else:
            group = groups[w % len(groups)]
            accounts = f'["{(w * 7919) % 10**12:012d}", "{ACCOUNT}"]'
            yield f"  wave {name} {{"
            yield f"    regions  = {group}"
            if w % 4 == 0:
                yield f"    accounts = {accounts}"
            yield f"    parallel = {2 + w % 3}"
            yield f"    bake     = {30 + (w % 4) * 15}m"
            yield "    gates    = [health, ops.paging]"
            yield "    windows  = [windows.business_hours, ops.change_hours]"
            yield "  }"
    yield "}"
    yield ""


def wave_file(waves: int, shape: str = "org", per_pipeline: int = 10) -> tuple[str, int]:
    """The text of the entry file with ``waves`` waves in total, and how many pipelines it holds."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r} (shapes: {', '.join(SHAPES)})")
    if waves < 1:
        raise ValueError("waves must be at least 1")
    sizes = [waves] if shape == "wide" else [per_pipeline] * (waves // per_pipeline)
    if shape == "org" and waves % per_pipeline:
        sizes.append(waves % per_pipeline)
    lines = [
        f"# Generated by `python -m benchmarks.generate`: {waves} waves in {len(sizes)} pipeline(s), shape {shape}.",
        'import "std/windows"',
        'import "./shared/ops.wave" as ops',
        "",
    ]
    first = 0
    for i, size in enumerate(sizes):
        lines.extend(_pipeline(i, size, first))
        first += size
    return "\n".join(lines), len(sizes)


def write_project(folder: Path, waves: int, shape: str = "org", per_pipeline: int = 10) -> Project:
    """Write a project (``wave.toml`` root marker, the shared module, the entry file) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wave.toml").write_text("# benchmark project root\n", encoding="utf-8")
    shared = folder / "shared" / "ops.wave"
    shared.parent.mkdir(exist_ok=True)
    shared.write_text(SHARED_MODULE, encoding="utf-8")
    text, pipelines = wave_file(waves, shape, per_pipeline)
    entry = folder / f"{shape}-{waves}.wave"
    entry.write_text(text, encoding="utf-8")
    return Project(entry, (folder / "wave.toml", shared, entry), waves, pipelines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.generate OUT --waves N [--shape org|wide]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write the project into")
    parser.add_argument("--waves", type=int, default=1000)
    parser.add_argument("--shape", choices=SHAPES, default="org")
    parser.add_argument("--per-pipeline", type=int, default=10, help="waves per pipeline (shape org)")
    args = parser.parse_args(argv)
    project = write_project(args.out, args.waves, args.shape, args.per_pipeline)
    print(f"wrote {project.entry} ({project.waves} waves, {project.pipelines} pipelines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
