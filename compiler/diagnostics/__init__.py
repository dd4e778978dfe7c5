"""Diagnostics: the model every layer reports through, the sink, the code registry and the renderers.

``from wavec.diagnostics import Diagnostic, Severity, Sink`` is the usual import; the codes live in
:mod:`wavec.diagnostics.codes`, the output formats in :mod:`wavec.diagnostics.render`.
"""

from .model import Diagnostic, Fix, Label, Severity, one_line
from .sink import Sink

__all__ = ["Diagnostic", "Fix", "Label", "Severity", "Sink", "one_line"]
