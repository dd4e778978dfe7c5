"""Reading a block against its schema entry: labels, attributes, nested blocks, ``allow``.

Everything structural is reported here, once, for every block type: unknown
or repeated attributes and blocks, wrong labels, missing required
attributes, too many or too few nested blocks.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import assert_never

from ..diagnostics import Label, Sink
from ..diagnostics.codes import builtin as codes
from ..lang.suggest import closest, did_you_mean
from ..records import field, record
from ..source import Span
from ..syntax import tree as t
from . import ir, schema


@record(frozen=False)
class Body:
    """A block's contents sorted by what they are, after the structural checks."""

    block: t.Block
    spec: schema.Block
    labels: tuple[str, ...]
    variant: str | None
    attrs: dict[str, t.Attribute] = field(default_factory=dict)
    children: dict[str, list[t.Block]] = field(default_factory=dict)
    allows: tuple[ir.Allow, ...] = ()
    misspelt: set[str] = field(default_factory=set)
    """Attributes and blocks of the schema that an unknown one of this block was taken for (`regoins`)."""

    @property
    def name(self) -> str:
        """The first label (the block's name), or ``""``."""
        return self.labels[0] if self.labels else ""

    @property
    def attr_spans(self) -> MappingProxyType[str, Span]:
        """Attribute name → span of the whole attribute."""
        return MappingProxyType({k: a.span for k, a in self.attrs.items()})

    def kids(self, type_: str) -> list[t.Block]:
        """Nested blocks of one type, in file order."""
        return self.children.get(type_, [])


def _labels_text(spec: schema.Block) -> str:
    parts = [f"[{label}]" if i >= len(spec.labels) - spec.optional_labels else label
             for i, label in enumerate(spec.labels)]
    if spec.title_label is not None:
        parts[spec.title_label] = f'"{parts[spec.title_label]}"'
    return " ".join([spec.type, *parts, "{ … }"])


def read_block(block: t.Block, spec: schema.Block, sink: Sink) -> Body | None:
    """Check ``block`` against ``spec``; ``None`` when its labels are unusable."""
    labels = _read_labels(block, spec, sink)
    if labels is None:
        return None
    variant = None
    if spec.variants:
        variant = labels[0]
        if variant not in spec.variants:
            members = tuple(spec.variants)
            sink.report(
                codes.UNKNOWN_ENUM_MEMBER, f"`{variant}` is not a {spec.type} type", block.labels[0].span,
                label="unknown type",
                help=did_you_mean(variant, members) or "choose one of " + ", ".join(f"`{m}`" for m in members),
            )
            return None
    body = Body(block, spec, labels, variant)
    allows: list[ir.Allow] = []
    counts: dict[str, int] = {}
    for item in block.body:
        match item:
            case t.Attribute():
                _attribute(body, item, sink)
            case t.Block():
                name = item.type.value
                child = spec.child(name)
                if child is None:
                    _unknown_block(body, item, sink)
                    continue
                counts[name] = counts.get(name, 0) + 1
                if child.max is not None and counts[name] > child.max:
                    first = body.children[name][0]
                    sink.report(
                        codes.WRONG_NESTED_BLOCK_COUNT, f"{_a(spec.type)} `{spec.type}` block can hold only "
                        f"{_count(child.max, name)}", item.header, label=f"another `{name}`",
                        extra=(Label(first.header, "the first one"),),
                        help=f"keep one `{name}` block" if child.max == 1 else None,
                    )
                    continue
                body.children.setdefault(name, []).append(item)
            case t.Allow():
                reason = item.reason.value.strip()
                if not reason:
                    sink.report(codes.ALLOW_WITHOUT_REASON, f"`allow {item.code.value}` needs a reason",
                                item.reason.span, label="empty reason",
                                help='say why the rule does not apply here: allow CODE "why this is fine"')
                allows.append(ir.Allow(item.code.value, reason, item.span))
            case t.Import() | t.Let():
                what = "import" if isinstance(item, t.Import) else "let"
                sink.report(codes.STATEMENT_OUT_OF_PLACE, f"`{what}` is only allowed at the top level of a file",
                            item.span, label="inside a block", help=f"move the `{what}` to the top of the file")
            case _:
                assert_never(item)
    body.allows = tuple(allows)
    for child in spec.children:
        if counts.get(child.type, 0) < child.min and not block.damaged and child.type not in body.misspelt:
            sink.report(
                codes.WRONG_NESTED_BLOCK_COUNT,
                f"{spec.type} `{body.name}` needs at least {_count(child.min, child.type)}"
                if body.name else f"`{spec.type}` needs at least {_count(child.min, child.type)}",
                block.header, label=f"no `{child.type}` block",
                help=f"add `{child.type} {'NAME ' if schema.BLOCKS[child.type].labels else ''}{{ … }}`",
            )
    for attr in spec.all_attrs(variant):
        if attr.name in body.attrs or block.damaged or attr.name in body.misspelt:
            continue  # dropped by syntax-error recovery, or written with a typo already reported
        if attr.required or (attr.required_unless and not any(
                u in body.attrs or u in body.children for u in attr.required_unless)):
            alt = " or ".join(f"`{u}`" for u in attr.required_unless)
            sink.report(
                codes.MISSING_REQUIRED_ATTRIBUTE, f"{spec.type} `{body.name}` is missing `{attr.name}`" if body.name
                else f"`{spec.type}` block is missing `{attr.name}`",
                block.header, label=f"`{attr.name}` is required" + (f" unless {alt} is set" if alt else ""),
                help=f"add `{attr.name} = …` ({attr.doc})",
            )
    return body


def _a(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _count(n: int, what: str) -> str:
    return f"one `{what}` block" if n == 1 else f"{n} `{what}` blocks"


def _read_labels(block: t.Block, spec: schema.Block, sink: Sink) -> tuple[str, ...] | None:
    got = block.labels
    lo, hi = len(spec.labels) - spec.optional_labels, len(spec.labels)
    if not lo <= len(got) <= hi:
        span = got[hi].span.to(got[-1].span) if len(got) > hi else block.header
        wanted = "no label" if hi == 0 else f"{hi} label{'s' if hi > 1 else ''}"
        sink.report(
            codes.WRONG_LABELS, f"`{spec.type}` takes {wanted}, found {len(got)}", span,
            label="extra label" if len(got) > hi else "label missing",
            help=f"write `{_labels_text(spec)}`"
            + ("; if this was meant as an attribute, it needs `=`" if len(got) > hi else ""),
        )
        return None
    out: list[str] = []
    for i, label in enumerate(got):
        is_title = spec.title_label == i
        if is_title and not isinstance(label, t.StringLit):
            sink.report(codes.WRONG_LABELS, f"the {spec.labels[i]} of a `{spec.type}` is a string", label.span,
                        label="expected a string", help=f'write `{_labels_text(spec)}`')
            return None
        if not is_title and not isinstance(label, t.Ident):
            hint = label.value.replace("-", "_").replace(" ", "_")
            sink.report(codes.WRONG_LABELS, f"the {spec.labels[i].lower()} of a `{spec.type}` is a name, not a string",
                        label.span, label="expected a name",
                        help=f"write `{spec.type} {hint} {{ … }}`: names are letters, digits and `_`")
            return None
        if isinstance(label, t.StringLit) and not label.is_plain:
            sink.report(codes.INTERPOLATION_OUT_OF_PLACE,
                        f"the {spec.labels[i]} of a `{spec.type}` cannot interpolate", label.span,
                        label="`${…}` here", help="write the text as it is")
            return None
        out.append(label.value)
    return tuple(out)


def _attribute(body: Body, item: t.Attribute, sink: Sink) -> None:
    spec, name = body.spec, item.name.value
    if spec.attr(name, body.variant) is None:
        if spec.child(name) is not None:
            sink.report(codes.UNKNOWN_ATTRIBUTE, f"`{name}` is a block, not an attribute", item.name.span,
                        label="written as an attribute", help=f"write `{name} {{ … }}` without `=`")
            return
        where = f"`{spec.type} {body.variant}`" if body.variant else f"a `{spec.type}` block"
        names = [a.name for a in spec.all_attrs(body.variant)] + [c.type for c in spec.children]
        best = closest(name, names)
        if best is not None:
            body.misspelt.add(best)
        sink.report(
            codes.UNKNOWN_ATTRIBUTE,
            f"unknown attribute `{name}` in {where}", item.name.span, label="unknown attribute",
            help=did_you_mean(name, names) or (
                "known here: " + ", ".join(f"`{n}`" for n in names) if names else None),
        )
        return
    if name in body.attrs:
        sink.report(codes.ATTRIBUTE_SET_TWICE,
                    f"attribute `{name}` is set twice", item.name.span, label="set again here",
                    extra=(Label(body.attrs[name].name.span, "first set here"),), help="keep one of them")
        return
    body.attrs[name] = item


def _unknown_block(body: Body, item: t.Block, sink: Sink) -> None:
    spec, variant, name = body.spec, body.variant, item.type.value
    if spec.attr(name, variant) is not None:
        sink.report(codes.UNKNOWN_BLOCK, f"`{name}` is an attribute, not a block", item.type.span,
                    label="written as a block", help=f"write `{name} = …`")
        return
    names = [c.type for c in spec.children]
    best = closest(name, names)
    if best is not None:
        body.misspelt.add(best)
    sink.report(
        codes.UNKNOWN_BLOCK, f"unknown block `{name}` in a `{spec.type}` block", item.type.span, label="unknown block",
        help=did_you_mean(name, names + [a.name for a in spec.all_attrs(variant)]) or (
            "blocks allowed here: " + ", ".join(f"`{n}`" for n in names) if names
            else f"a `{spec.type}` block holds no nested blocks"),
    )


def report_duplicate(sink: Sink, kind: str, name: str, span: Span, first: Span) -> None:
    """Report a second definition of ``name`` in one scope."""
    sink.report(codes.DUPLICATE_NAME, f"{kind} `{name}` is defined twice", span, label="defined again here",
                extra=(Label(first, "first defined here"),), help=f"rename one of the two {kind}s")

