"""IR → the CodePipeline ``CreatePipeline`` request: the pipeline, its role and artifact stores, its stages.

The mapping is documented row by row in ``docs/codepipeline.md``; every key was checked against the
CodePipeline API reference and botocore's service model. Problems are reported to the sink with the WV9xx codes
of :mod:`wavec.diagnostics.codes.codepipeline`; the builder still returns a request so that every problem is
found in one pass, and the target discards it when an error was reported.
"""

from __future__ import annotations

from ...diagnostics import Sink
from ...diagnostics.codes import codepipeline as codes
from ...semantics import ir
from .context import BUCKET_RE, JSON, MAX_STAGES, ROLE_RE, Context, StageNames, ordered
from .stages import source_stage, stage_of
from .triggers import git_triggers
from .waves import wave_stages


def build_request(pipeline: ir.Pipeline, sink: Sink) -> JSON:
    """The ``CreatePipeline`` request body for one pipeline (check ``sink`` for errors before using it)."""
    ctx = Context(pipeline, sink)
    _region_is_known(ctx)
    role = _role(ctx)
    user_stages = [s.name for s in pipeline.stages]
    names = StageNames(ctx, user_stages)
    stages: list[JSON] = []
    if pipeline.source is not None:
        stages.append(source_stage(ctx, pipeline.source, names.take("Source")))
    for stage in ordered(pipeline.stages):
        stages.append(stage_of(ctx, stage, names.take(stage.name, reserved=True)))
    stages.extend(wave_stages(ctx, names))
    if len(stages) > MAX_STAGES:
        ctx.error(codes.TOO_MANY_STAGES,
                  f"pipeline `{pipeline.name}` compiles to {len(stages)} stages, CodePipeline allows "
                  f"{MAX_STAGES}", ctx.head, label="this pipeline",
                  help="merge stages or waves, or split the service into several pipelines")
    ctx.check_name("pipeline", pipeline.name, ctx.head)
    body: JSON = {
        "name": pipeline.name,
        "roleArn": role,
        "pipelineType": "V2",
        "executionMode": pipeline.execution_mode.upper(),
        "artifactStores": _artifact_stores(ctx),
        "stages": stages,
    }
    if pipeline.source is not None and pipeline.source.triggers:
        triggers = git_triggers(ctx, pipeline.source)
        if triggers:
            body["triggers"] = triggers
    return {"pipeline": body, "tags": [{"key": "managed-by", "value": "wavec"}]}


def _region_is_known(ctx: Context) -> None:
    """The pipeline's region is stated, or follows from the file without a guess, and the source is there.

    A source action cannot be cross-region (rule 55 of docs/codepipeline.md): a CodeCommit repository or an S3
    bucket in another region than the pipeline cannot be its source (a CodeConnections connection is global).
    Without `region`, the pipeline goes where its source says, else to the first region of the first wave —
    a guess when that wave lists several, and a wrong one costs a pipeline in the wrong region.
    """
    p = ctx.pipeline
    source = p.source
    stated = "region" in p.attr_spans
    if source is not None and source.region is not None and stated and source.region != p.region:
        ctx.error(codes.SOURCE_IN_ANOTHER_REGION,
                  f"the {source.type} source is in {source.region} and the pipeline in {p.region}; a source "
                  "action runs in the pipeline's region", source.attr_spans.get("region", source.span.head()),
                  label=f"not {p.region}",
                  help=f"put the pipeline in the source's region (`region = \"{source.region}\"`), or move the "
                       "source")
    if stated or (source is not None and source.region is not None) or not p.waves or len(p.waves[0].regions) < 2:
        return
    first = p.waves[0]
    ctx.error(codes.PIPELINE_REGION_GUESSED,
              f"pipeline `{p.name}` does not say its region, and its first wave `{first.name}` deploys to "
              f"{len(first.regions)} ({', '.join(first.regions)}): the pipeline would be created in "
              f"{first.regions[0]} only because that is listed first", ctx.head, label="no `region`",
              help=f'add `region = "{first.regions[0]}"` (or the region the pipeline belongs in) to the pipeline'
                   + ("" if source is None or source.type not in ("codecommit", "s3")
                      else f", or the {source.type} source's `region`"))


def _role(ctx: Context) -> str:
    p = ctx.pipeline
    if p.role is None:
        ctx.error(codes.NO_PIPELINE_ROLE,
                  f"pipeline `{p.name}` has no `role`; CodePipeline needs a service role", ctx.head,
                  label="no role", help='add `role = "arn:aws:iam::<account>:role/<name>"` to the pipeline')
        return "arn:aws:iam::000000000000:role/missing"
    role = ctx.render(p.role)
    if not ROLE_RE.fullmatch(role):
        ctx.error(codes.INVALID_ROLE_ARN, f"pipeline role `{role}` is not an IAM role ARN", p.attr_spans.get("role"),
                  label="not a role ARN", help="write the role's full ARN: arn:aws:iam::<account>:role/<name>")
    return role


def _artifact_stores(ctx: Context) -> JSON:
    p = ctx.pipeline
    span = p.attr_spans.get("artifacts")
    if p.artifacts is None:
        ctx.error(codes.NO_ARTIFACT_BUCKET,
                  f"pipeline `{p.name}` has no `artifacts` bucket; CodePipeline needs one per region",
                  ctx.head, label="no artifact bucket",
                  help='add `artifacts = "<bucket-prefix>-${region}"` (one bucket per region used)')
        return {}
    regions = sorted(ctx.regions_used)
    if len(regions) > 1 and "region" not in p.artifacts.vars:
        ctx.error(codes.SHARED_ARTIFACT_BUCKET,
                  f"artifact bucket `{p.artifacts.text}` is one bucket, but actions run in "
                  f"{len(regions)} regions ({', '.join(regions)})", span, label="no `${region}` here",
                  help="CodePipeline needs an artifact store in every region used: put `${region}` in the name")
    stores: JSON = {}
    for region in regions:
        bucket = ctx.render(p.artifacts, region=region)
        if not BUCKET_RE.fullmatch(bucket):
            ctx.error(codes.INVALID_BUCKET_NAME,
                      f"artifact bucket `{bucket}` is not a valid bucket name", span, label="this bucket",
                      help="bucket names are 3–63 characters: letters, digits, `.` and `-`")
        stores[region] = {"type": "S3", "location": bucket}
    keys = _encryption_keys(ctx, regions)
    for region, key in keys.items():
        stores[region]["encryptionKey"] = {"id": key, "type": "KMS"}
    return stores


def _encryption_keys(ctx: Context, regions: list[str]) -> dict[str, str]:
    """The artifact key of each region's store (rules 54, 58): none means the AWS-managed key, which only the
    pipeline's own account can use, so a wave deploying to another account needs one."""
    p = ctx.pipeline
    others = sorted({t.account for w in p.waves for t in w.targets
                     if t.account is not None and t.account != ctx.account})
    span = p.attr_spans.get("encryption_key")
    if p.encryption_key is None:
        if others:
            ctx.error(codes.CROSS_ACCOUNT_WITHOUT_KEY,
                      f"pipeline `{p.name}` deploys to another account ({', '.join(others)}) but its artifact "
                      "stores have no `encryption_key`: the default AWS-managed key cannot be used there",
                      ctx.head, label="cross-account pipeline",
                      help='add `encryption_key = "arn:aws:kms:${region}:<account>:key/<key-id>"`, a '
                           "customer-managed key per region whose key policy lets the deploy roles decrypt")
        return {}
    keys: dict[str, str] = {}
    for region in regions:
        key = ctx.render(p.encryption_key, region=region)
        fields = key.split(":")
        per_region = 'put `${region}` in the ARN (a multi-Region key\'s replicas share its id: ' \
                     '"arn:aws:kms:${region}:<account>:key/mrk-…")'
        if others and (key.startswith("alias/") or ":alias/" in key):
            ctx.error(codes.CROSS_ACCOUNT_WITHOUT_KEY,
                      f"artifact key `{key}` is an alias; a cross-account pipeline can name its key only by id "
                      "or ARN", span, label="an alias",
                      help="write the key's ARN: arn:aws:kms:<region>:<account>:key/<key-id>")
        elif key.startswith("arn:") and len(fields) > 5 and fields[3] != region:
            ctx.error(codes.CROSS_ACCOUNT_WITHOUT_KEY,
                      f"artifact key `{key}` is in region {fields[3] or '(none)'}, but encrypts the store in "
                      f"{region}: KMS keys are regional", span, label="one key for every region", help=per_region)
        elif not key.startswith("arn:") and len(regions) > 1 and "region" not in p.encryption_key.vars \
                and not key.startswith("mrk-"):
            ctx.error(codes.CROSS_ACCOUNT_WITHOUT_KEY,
                      f"artifact key `{key}` is one key, but the stores are in {len(regions)} regions "
                      f"({', '.join(regions)}): KMS keys are regional", span, label="one key for every region",
                      help=per_region)
        else:
            keys[region] = key
            continue
        return keys  # one report for the attribute, not one per region
    return keys


