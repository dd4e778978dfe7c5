"""Source `trigger` blocks → the pipeline's V2 ``triggers`` (``gitConfiguration`` push and pull request filters).

CodePipeline User Guide, "Filter triggers on code push or pull requests" and the API's ``GitConfiguration``:

* triggers are for source actions with connections (``CodeStarSourceConnection``: GitHub, GitLab, Bitbucket);
  CodeCommit and S3 sources start through EventBridge (docs/codepipeline.md, "Source changes");
* a push filter may hold tags, or branches, or branches and file paths — no other combination;
  a pull request filter branches, or branches and file paths, and its events (``OPEN``, ``UPDATED``,
  ``CLOSED``);
* at most 3 push and 3 pull request filters; at most 8 include and 8 exclude patterns each, of 1–255
  characters (botocore's model);
* with a trigger, the pipeline starts only on what a filter admits; the action's ``BranchName`` is still the
  branch of a manual start.

Anything else is WV928, naming the rule, instead of a request the service rejects (or, worse, a trigger that
silently never fires).
"""

from __future__ import annotations

from ...diagnostics.codes import codepipeline as codes
from ...semantics import ir
from .context import JSON, Context

MAX_FILTERS = 3  # GitPushFilterList, GitPullRequestFilterList: 1–3 items
MAX_PATTERNS = 8  # Git…PatternList: 1–8 items
MAX_PATTERN = 255  # Git…Pattern: 1–255 characters
_SOURCE_ACTION = "Source"  # source_stage names its one action so
_EVENTS = {"open": "OPEN", "updated": "UPDATED", "closed": "CLOSED"}


def git_triggers(ctx: Context, source: ir.Source) -> list[JSON]:
    """The ``triggers`` of the pipeline body (empty, with WV928 reported, when the triggers cannot be taken)."""
    if source.type not in ("github", "gitlab", "bitbucket"):
        ctx.error(codes.TRIGGER_NOT_ACCEPTED,
                  f"a `{source.type}` source starts the pipeline through EventBridge; CodePipeline takes `trigger` "
                  "filters only for sources with a connection (github, gitlab, bitbucket)",
                  source.triggers[0].span.head(), label="not for this source",
                  help="remove the trigger: a change to the source's branch (or object) starts the pipeline")
        return []
    push: list[JSON] = []
    pull: list[JSON] = []
    for trigger in source.triggers:
        criteria = _criteria(ctx, trigger)
        if criteria is None:
            continue
        if trigger.event == "push":
            push.append(criteria)
        else:
            pull.append({"events": [_EVENTS[e] for e in trigger.events], **criteria})
    for kind, filters in (("push", push), ("pull_request", pull)):
        if len(filters) > MAX_FILTERS:
            extra = [t for t in source.triggers if t.event == kind][MAX_FILTERS]
            ctx.error(codes.TRIGGER_NOT_ACCEPTED,
                      f"{len(filters)} `trigger {kind}` blocks; CodePipeline takes at most {MAX_FILTERS}",
                      extra.span.head(), label="one too many", help="merge filters: each lists up to 8 patterns")
    git: JSON = {"sourceActionName": _SOURCE_ACTION}
    if push:
        git["push"] = push[:MAX_FILTERS]
    if pull:
        git["pullRequest"] = pull[:MAX_FILTERS]
    return [{"providerType": "CodeStarSourceConnection", "gitConfiguration": git}]


def _criteria(ctx: Context, trigger: ir.Trigger) -> JSON | None:
    """One filter's ``branches`` / ``filePaths`` / ``tags`` criteria, or ``None`` (reported) when the
    combination is one CodePipeline does not take."""
    head = trigger.span.head()
    branches = bool(trigger.branches or trigger.exclude_branches)
    paths = bool(trigger.paths or trigger.exclude_paths)
    tags = bool(trigger.tags or trigger.exclude_tags)
    if tags and (branches or paths):
        ctx.error(codes.TRIGGER_NOT_ACCEPTED, "a push filter holds tags, or branches (and file paths), not both",
                  head, label="tags with branches or paths",
                  help="write two `trigger push` blocks: one with the tags, one with the branches")
        return None
    if paths and not branches:
        ctx.error(codes.TRIGGER_NOT_ACCEPTED, f"a `{trigger.event}` filter on file paths needs `branches` too",
                  head, label="paths without branches",
                  help='add `branches = ["main"]` (the branches whose changes to these paths count)')
        return None
    if not (branches or tags):
        ctx.error(codes.TRIGGER_NOT_ACCEPTED, f"a `trigger {trigger.event}` needs `branches`"
                  + (" or `tags`" if trigger.event == "push" else ""), head, label="filters nothing",
                  help="say which branches start the pipeline; without any trigger, pushes to `branch` do")
        return None
    out: JSON = {}
    for key, include, exclude in (("branches", trigger.branches, trigger.exclude_branches),
                                  ("filePaths", trigger.paths, trigger.exclude_paths),
                                  ("tags", trigger.tags, trigger.exclude_tags)):
        criteria: JSON = {}
        for field, patterns in (("includes", include), ("excludes", exclude)):
            if not patterns:
                continue
            if len(patterns) > MAX_PATTERNS or any(not 1 <= len(p) <= MAX_PATTERN for p in patterns):
                ctx.error(codes.TRIGGER_NOT_ACCEPTED,
                          f"`trigger {trigger.event}` lists {len(patterns)} {key} patterns or one longer than "
                          f"{MAX_PATTERN} characters; CodePipeline takes 1–{MAX_PATTERNS} of 1–{MAX_PATTERN}",
                          head, label="too many or too long", help="use broader globs (`release/**`)")
                return None
            criteria[field] = list(patterns)
        if criteria:
            out[key] = criteria
    return out
