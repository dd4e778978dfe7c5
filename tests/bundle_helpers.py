"""Bundles of the examples for the bundle and deploy tests: written with the CLI, read back as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import EXAMPLES, ROOT, cli

SECOND_ACCOUNT = "444455556666"
# Every example the bundle must serve (the rehearsal one too: it compiles to CodePipeline as well).
BUNDLE_EXAMPLES = sorted(EXAMPLES.glob("*.wave")) + sorted((EXAMPLES / "rehearsal").glob("*.wave"))


def two_account_checkout(folder: Path) -> Path:
    """examples/checkout.wave with its last wave deployed to a second account as well (and what that needs:
    a deploy role in every account, WV909, and a customer-managed key, WV923). Derived from the example so it
    follows its changes; every edit must apply."""
    text = (EXAMPLES / "checkout.wave").read_text(encoding="utf-8")
    edits = [
        ('  artifacts = "acme-checkout-artifacts-${region}"\n',
         '  artifacts = "acme-checkout-artifacts-${region}"\n'
         '  encryption_key = "arn:aws:kms:${region}:111122223333:key/mrk-0123456789abcdef0123456789abcdef"\n'),
        ("  deploy {\n    cloudformation {",
         '  deploy {\n    role = "arn:aws:iam::${account}:role/checkout-deployer"\n    cloudformation {'),
        ("    parallel = 2\n", f'    parallel = 2\n    accounts = ["111122223333", "{SECOND_ACCOUNT}"]\n'),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / "checkout.wave"
    path.write_text(text, encoding="utf-8")
    return path


def write_bundle(source: Path, out: Path) -> dict[str, Any]:
    """Run `wavec build SOURCE --target codepipeline --format cloudformation --out OUT`; the manifest."""
    proc = cli("build", str(source), "--target", "codepipeline", "--format", "cloudformation", "--out", str(out),
               cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def templates(out: Path, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Stack name → its template."""
    return {s["name"]: json.loads((out / s["file"]).read_text(encoding="utf-8")) for s in manifest["stacks"]}
