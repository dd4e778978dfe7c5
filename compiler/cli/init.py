"""Write a commented starter .wave file that passes std/policies/hands_off, and the scripts it calls.

The file is DIR/NAME.wave (DIR defaults to the working directory, NAME to the
folder's name). It never overwrites: an existing file is a usage error (exit 2).
Beside it, DIR/scripts/*.sh are placeholders for the build, the sandbox, the
tests, the scans and the deploy (an existing script is kept), so that
``wavec run`` rehearses the starter as generated.
"""

from __future__ import annotations

import argparse
import re
from importlib import resources
from pathlib import Path

from ..semantics.reference import aws_regions
from ..syntax.format import format_text
from .errors import UsageError
from .starter_scripts import SCRIPTS

DEFAULT_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
_ORDINALS = ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = frozenset({"import", "as", "let", "allow", "true", "false", "none", "and", "or", "not", "in"})


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec init``."""
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder to write to (default: .)")
    parser.add_argument("--name", help="pipeline name: letters, digits and _ (default: the folder's name)")
    parser.add_argument("--regions", nargs="+", metavar="REGION",
                        help="production regions, first one first (default: " + " ".join(DEFAULT_REGIONS) + ")")


def run(args: argparse.Namespace) -> int:
    """Write the starter file."""
    folder = Path(args.dir)
    name = args.name if args.name is not None else _name_from(folder)
    _check_name(name, given=args.name is not None)
    regions = _regions(args.regions)
    slug = name.lower().replace("_", "-").strip("-") or "pipeline"
    text = starter(name, slug, regions)
    target = folder / f"{slug}.wave"
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError as exc:
        raise UsageError(f"{target} already exists; not overwriting it (choose another --name or folder)") from exc
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
    print(f"wrote {target}")
    for line in _write_scripts(folder / "scripts"):
        print(line)
    print(f"next: `wavec run {target} --speed 10000` rehearses it here; edit scripts/, the role and the alarms, "
          f"then run `wavec check {target}`")
    return 0


def _write_scripts(folder: Path) -> list[str]:
    """Write the placeholder scripts the starter calls (never over an existing file); what was done, a line each."""
    out: list[str] = []
    try:
        folder.mkdir(exist_ok=True)
        for name, text in SCRIPTS.items():
            path = folder / name
            try:
                with path.open("x", encoding="utf-8", newline="\n") as f:
                    f.write(text)
            except FileExistsError:
                out.append(f"kept {path} (it exists)")
                continue
            path.chmod(0o755)
            out.append(f"wrote {path}")
    except OSError as exc:
        raise UsageError(f"cannot write the starter's scripts in {folder}: {exc.strerror}") from exc
    return out


def starter(name: str, slug: str, regions: list[str]) -> str:
    """The starter file for pipeline ``name`` deploying to ``regions``, in canonical layout."""


    template = resources.files("wavec.cli").joinpath("starter.wave").read_text(encoding="utf-8")
    text = (template.replace("@waves@", _waves(regions)).replace("@name@", name)
            .replace("@slug@", slug).replace("@home@", regions[0]))
    result = format_text(text, f"{slug}.wave")
    if result.text is None:  # the template is ours: a syntax error here is a bug
        raise RuntimeError(f"the starter template does not parse: {result.diagnostics}")
    return result.text


def _waves(regions: list[str]) -> str:
    """One box, then the first region, then waves that double: 1, 2, 4, … regions."""
    common = ["    bake     = 1h", "    gates    = [health]", "    windows  = [windows.business_hours]"]
    home = _quote([regions[0]])
    blocks = [
        ["  wave onebox {", f"    regions  = {home}", "    deploy   = onebox", "    exposure = 1%",
         "    exposure_by = profile  # the one-box stack is what serves 1% of the traffic", *common, "  }"],
        ["  wave first_region {", f"    regions  = {home}", *common, "  }"],
    ]
    rest, size, n = regions[1:], 1, 0
    while rest:
        chunk, rest = rest[:size], rest[size:]
        wave_name = _ORDINALS[n] if n < len(_ORDINALS) else f"wave_{n + 2}"
        lines = [f"  wave {wave_name} {{", f"    regions  = {_quote(chunk)}"]
        if len(chunk) > 2:
            lines.append("    parallel = 2")
        blocks.append([*lines, *common, "  }"])
        size, n = size * 2, n + 1
    return "\n\n".join("\n".join(b) for b in blocks)


def _quote(regions: list[str]) -> str:
    return "[" + ", ".join(f'"{r}"' for r in regions) + "]"


def _name_from(folder: Path) -> str:
    base = folder.resolve().name.lower()
    name = re.sub(r"[^a-z0-9_]+", "_", base).strip("_")
    if not name or name[0].isdigit():
        name = "app_" + name if name else "app"
    return name


def _check_name(name: str, given: bool) -> None:
    if _NAME.match(name) and name not in _RESERVED:
        return
    why = "a reserved word" if name in _RESERVED else "not a name (letters, digits and _, not starting with a digit)"
    hint = "" if given else " (it comes from the folder's name; choose one with --name NAME)"
    raise UsageError(f"pipeline name {name!r} is {why}{hint}")


def _regions(raw: list[str] | None) -> list[str]:
    if not raw:
        return list(DEFAULT_REGIONS)
    regions = [r.strip() for item in raw for r in item.split(",") if r.strip()]

    known = aws_regions()
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise UsageError(f"unknown AWS region{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    if len(set(regions)) != len(regions):
        raise UsageError("a region is listed twice in --regions")
    if not regions:
        raise UsageError("--regions needs at least one region")
    return regions
