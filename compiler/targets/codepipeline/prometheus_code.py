"""The program a CodePipeline Commands action runs to read a `prometheus` gate's query during the bake.

CodePipeline has no rule or integration that evaluates PromQL; a Commands action runs shell commands on
CodeBuild's managed Linux image, whose runtimes include Python 3 (docs/codepipeline.md, "Prometheus gates").
The program below asks the Prometheus HTTP API (``GET /api/v1/query``) and judges the answer exactly as
``wavec run`` does (:func:`wavec.runner.gates.prometheus`, held equal by a test): every sample within ``min`` and
``max``, ``NaN`` out of bounds, no samples healthy, a failed or unreadable query a breach (not knowing is not
healthy). It exits 0 when healthy, 1 on a breach, and prints one line saying why.

The program travels as the action's environment variable :data:`VARIABLE` (a value of at most 2,000
characters, one line: :func:`variable_value`), so every reading command stays short and the URL and the query
reach Python as arguments, never as program text: ``python3 -c "$WAVEC_PROMETHEUS" URL QUERY MIN MAX``.
"""

from __future__ import annotations

import json
import shlex

VARIABLE = "WAVEC_PROMETHEUS"
MAX_VALUE = 2000  # EnvironmentVariableValue: 1–2,000 characters (botocore's CodePipeline model)

SOURCE = '''\
import json, math, sys, urllib.parse, urllib.request
url, query, low, high = sys.argv[1:5]
low = float(low) if low else None
high = float(high) if high else None
try:
    ask = url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(ask, timeout=5) as answer:
        body = json.loads(answer.read().decode("utf-8"))
    if body.get("status") != "success":
        raise ValueError(body.get("error", "unknown error"))
    data = body["data"]
    if data["resultType"] == "scalar":
        values = [float(data["result"][1])]
    elif data["resultType"] == "vector":
        values = [float(item["value"][1]) for item in data["result"]]
    else:
        raise ValueError("result type %r (expected vector or scalar)" % data["resultType"])
except Exception as error:
    print("prometheus query `%s` could not be evaluated: %s" % (query, error))
    sys.exit(1)
bad = [v for v in values if math.isnan(v) or (high is not None and v > high) or (low is not None and v < low)]
shown = ", ".join("%g" % v for v in values[:3]) or "no samples"
print("`%s` = %s %s" % (query, shown, "breaks its bounds" if bad else "within bounds"))
sys.exit(1 if bad else 0)
'''


def variable_value() -> str:
    """:data:`SOURCE` as one line of Python (``exec`` of its text as a string literal): the variable's value."""
    # json.dumps of ASCII text is a valid Python string literal: newlines and quotes escaped, nothing else.
    return "exec(" + json.dumps(SOURCE) + ")"


def command(url: str, query: str, low: float | None, high: float | None) -> str:
    """The shell command that reads ``query`` once: the program from the variable, the values as arguments."""
    bounds = ["" if b is None else repr(float(b)) for b in (low, high)]
    return f'python3 -c "${VARIABLE}" ' + " ".join(shlex.quote(a) for a in (url, query, *bounds))
