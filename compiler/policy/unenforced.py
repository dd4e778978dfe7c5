"""WV314: a policy module imported by a file whose pipelines enforce none of its policies.

``import "std/policies/hands_off"`` reads as "this file is governed", but only ``policies = [...]`` (or the
configuration's ``policies``) enforces anything. Cheap: it looks at what the loader bound, compiles nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..diagnostics import Sink
from ..diagnostics.codes import policy as codes
from ..semantics import ir
from ..semantics.loader import Loader


def is_policy_module(module: ir.Module) -> bool:
    """Whether ``module`` holds policies and nothing else a file could import it for."""
    return bool(module.policies) and not (module.pipelines or module.gates or module.windows or module.deploys)


def report_unenforced(modules: Sequence[ir.Module], loader: Loader, configured: Sequence[ir.Module],
                      sink: Sink) -> None:
    """WV314 at each ``import`` of a policy module that no pipeline of the importing file, and no configured
    ``policies`` entry, enforces. Files without pipelines (a policy library importing another) are skipped."""
    for module in modules:
        if not module.pipelines:
            continue
        enforced = [p for pipeline in module.pipelines for p in pipeline.policies]
        for span, name, imported in loader.import_sites.get(module.path, []):
            if not is_policy_module(imported) or any(imported is c for c in configured):
                continue
            if any(p is q for p in imported.policies for q in enforced):
                continue
            names = ", ".join(f"`{p.name}`" for p in imported.policies)
            sink.report(codes.POLICY_NOT_ENFORCED,
                        f"{span.file.text[span.start:span.end]} is imported but no pipeline of this file enforces its "
                        f"polic{'ies' if len(imported.policies) != 1 else 'y'} ({names})",
                        span, label="imported, not enforced",
                        help=f"add `policies = [{name}]` to the pipeline, or list the module in the "
                             "configuration's `policies`; remove the import if the policy is not meant to apply")

