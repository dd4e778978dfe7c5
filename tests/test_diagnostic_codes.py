"""Diagnostic codes are typed constants: call sites name a `Code`, never its id as a string.

The codes are declared once, in `compiler/diagnostics/codes/`; everywhere else a string such as `"WV108"` would
be a code mypy cannot check (a typo, or a code that is not in the registry). Read from the source with
:mod:`ast`, so a string inside a docstring or a message (`ignore WV255 if …`) is not a code, but any string
constant that is exactly a code id is, and it is named with its file and line.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from wavec.diagnostics.codes import Code, registry

PACKAGE = Path(__file__).resolve().parent.parent / "compiler"
CODES_DIR = PACKAGE / "diagnostics" / "codes"
CODE_ID = re.compile(r"WV\d{3}")


def _string_codes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_ID.fullmatch(node.value))
    return [f"{path.relative_to(PACKAGE.parent)}:{line}: {value!r}" for line, value in hits]


def test_no_string_diagnostic_code_outside_the_registry() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) if CODES_DIR not in path.parents
             for hit in _string_codes(path)]
    assert not found, "report the constant of diagnostics/codes/, not its id:\n" + "\n".join(found)


def test_the_check_sees_a_string_code() -> None:
    assert _string_codes(CODES_DIR / "builtin.py"), "the registry itself holds the ids as strings"


def test_every_code_is_one_constant_of_its_area() -> None:
    names: dict[str, str] = {}
    for area in sorted({code.area for code in registry().values()}):
        module = importlib.import_module(f"wavec.diagnostics.codes.{area}")
        constants = {name: value for name, value in vars(module).items() if isinstance(value, Code)}
        assert all(name.isupper() for name in constants), f"{area}: constants are UPPER_CASE"
        assert list(constants.values()) == list(module.CODES), f"{area}: CODES is every constant, in order"
        assert all(code.area == area for code in module.CODES), f"{area}: a code of another area"
        for name in constants:
            assert name not in names, f"`{name}` is a code of both {names[name]} and {area}"
            names[name] = area
    assert len(names) == len(registry())
