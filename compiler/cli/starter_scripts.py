"""The small scripts ``wavec init`` writes beside the starter, so that ``wavec run`` rehearses it as generated.

Each is a placeholder that says what it stands for and succeeds: the starter's pipeline calls them, and a
new repository has neither a Makefile nor the tools a real pipeline runs. Replace them with the real build,
sandbox, tests, scanner and deploy; the `.wave` file need not change.
"""

from __future__ import annotations

_HEAD = "#!/bin/sh\n# Written by `wavec init`: a placeholder for {what}. Replace it with the real thing.\nset -eu\n"

SCRIPTS: dict[str, str] = {
    "build.sh": _HEAD.format(what="the build") + """\
# The pipeline's later stages read dist/ (the CloudFormation template among it).
mkdir -p dist
[ -f dist/template.yaml ] || printf 'Resources: {}\\n' > dist/template.yaml
echo "build: wrote dist/"
""",
    "sandbox.sh": _HEAD.format(what="creating and destroying the test sandbox") + """\
# usage: sandbox.sh up|down NAME (up first removes what an interrupted run left behind)
action=${1:?usage: sandbox.sh up|down NAME}
name=${2:?usage: sandbox.sh up|down NAME}
echo "sandbox: $action $name${WAVE_REGION:+ in $WAVE_REGION}"
""",
    "test.sh": _HEAD.format(what="the tests") + """\
# usage: test.sh unit | test.sh integration SANDBOX
echo "tests: ${1:?usage: test.sh unit|integration [SANDBOX]} ${2:-} passed (placeholder)"
""",
    "scan.sh": _HEAD.format(what="the vulnerability scan") + """\
if command -v trivy >/dev/null 2>&1; then
  exec trivy fs --exit-code 1 --severity HIGH,CRITICAL .
fi
echo "scan: trivy is not installed; install it or replace scripts/scan.sh (placeholder, passing)"
""",
    "guard.sh": _HEAD.format(what="the infrastructure policy check") + """\
if command -v cfn-guard >/dev/null 2>&1 && [ -d policy ]; then
  exec cfn-guard validate -d dist/template.yaml -r policy/
fi
echo "guard: cfn-guard or policy/ is missing; add them or replace scripts/guard.sh (placeholder, passing)"
""",
    "deploy.sh": _HEAD.format(what="deploying to one region (`wavec run` calls it for each target)") + """\
# usage: deploy.sh REGION [--onebox]; $WAVE_EXPOSURE is the wave's share of the traffic, in percent
echo "deploy: ${1:?usage: deploy.sh REGION [--onebox]} ${2:-} at ${WAVE_EXPOSURE:-100}% (placeholder)"
""",
    "rollback.sh": _HEAD.format(what="rolling one region back") + """\
# usage: rollback.sh REGION [--onebox]
echo "rollback: ${1:?usage: rollback.sh REGION [--onebox]} ${2:-} (placeholder)"
""",
}
"""File name (in ``scripts/``) → text."""
