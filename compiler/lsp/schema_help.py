"""Hover text and completion items from the schema (:mod:`wavec.semantics.schema`) and the reference data."""

from __future__ import annotations

from ..records import record
from ..semantics import schema
from ..semantics.loader import std_modules
from ..semantics.reference import aws_regions, timezones
from .outline import BlockAt, Cursor, CursorCache, Outline, scan, word_at


@record
class Item:
    """One completion: the text inserted, what it is (``block``, ``attribute``, ``value``, ``region``) and its
    one-line detail and documentation."""

    label: str
    kind: str
    detail: str = ""
    doc: str = ""
    start: int | None = None
    """Inside a string: where the text the item replaces begins (after the quote), so `"std/` does not
    become `"std/std/windows`."""


def _schema_of(block: BlockAt | None) -> schema.Block | None:
    return schema.BLOCKS.get(block.kind) if block is not None and not block.is_map else None


def child_kinds(block: BlockAt | None) -> tuple[str, ...]:
    """The block kinds that may be written directly inside ``block`` (the top level when ``None``)."""
    if block is None:
        return schema.TOP_LEVEL
    entry = _schema_of(block)
    return tuple(c.type for c in entry.children) if entry is not None else ()


def attrs_of(block: BlockAt | None) -> tuple[schema.Attr, ...]:
    """The attributes valid in ``block`` (its variant's too, or every variant's while none is written)."""
    entry = _schema_of(block)
    if entry is None or block is None:
        return ()
    if entry.variants and block.variant not in entry.variants:
        return entry.every_attr()
    return entry.all_attrs(block.variant)


def block_markdown(entry: schema.Block) -> str:
    """Hover text of a block kind."""
    head = " ".join([entry.type, *entry.labels])
    return f"```wave\n{head} {{ … }}\n```\n\n{entry.doc}"


def attr_markdown(block: str, attr: schema.Attr) -> str:
    """Hover text of an attribute: its type, whether it is required, its default, its documentation."""
    lines = [f"**{block}.{attr.name}**: `{attr.type}`", "", attr.doc]
    if attr.required:
        lines += ["", "required"]
    elif attr.required_unless:
        lines += ["", "required unless " + ", ".join(f"`{n}`" for n in attr.required_unless) + " is written"]
    if attr.default_text:
        lines += ["", f"default: `{attr.default_text}`"]
    return "\n".join(lines)


def hover(text: str, at: int, cache: CursorCache | None = None) -> tuple[str, tuple[int, int]] | None:
    """Markdown for the block keyword, attribute name or enum value at ``at``, and the word's span (``cache``
    keeps the scan of this buffer between requests)."""
    span = word_at(text, at)
    if span is None:
        return None
    cursor = cache.cursor(text, span[0]) if cache is not None else scan(text, span[0]).cursor
    if cursor is None:
        return None
    word = text[span[0] : span[1]]
    if text[span[1] :].lstrip(" \t").startswith("="):  # an attribute name
        for attr in attrs_of(cursor.block):
            if attr.name == word:
                return attr_markdown(cursor.block.kind if cursor.block else "", attr), span
        return None
    if not cursor.words:  # the first word of a statement: a block kind
        if word in child_kinds(cursor.block) and word in schema.BLOCKS:
            return block_markdown(schema.BLOCKS[word]), span
        return None
    written = _attr_written(cursor)
    if written is not None and word in written.type.enum_members:
        return f"`{word}`: a value of **{written.name}** (`{written.type}`)\n\n{written.doc}", span
    return None


def _attr_written(cursor: Cursor) -> schema.Attr | None:
    """The attribute whose value the cursor is in (``name = …``), if any."""
    if len(cursor.words) < 2 or cursor.words[1].text != "=":
        return None
    name = cursor.words[0].text
    for attr in attrs_of(cursor.block):
        if attr.name == name:
            return attr
    return None


def _string_start(text: str, at: int) -> int | None:
    """Where the string the offset is in begins (after its quote), or ``None`` outside strings."""
    i = text.rfind("\n", 0, at) + 1
    opened: int | None = None
    while i < at:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            opened = i + 1 if opened is None else None
        elif text[i] == "#" and opened is None:
            return None
        i += 1
    return opened


def _in_string(text: str, at: int) -> bool:
    return _string_start(text, at) is not None


def completions(text: str, at: int, cache: CursorCache | None = None) -> list[Item]:
    """What may be written at ``at``: block kinds and attribute names where a statement starts; the enum
    values of the attribute being written; region names in a region attribute, time zones in `timezone`,
    the gates, windows and deploy profiles of the file in an attribute naming one; `std/` modules after
    `import`. ``cache`` keeps the scan of this buffer between requests."""
    cursor = cache.cursor(text, at) if cache is not None else scan(text, at).cursor
    if cursor is None:
        return []
    attr = _attr_written(cursor)
    if attr is not None:
        if attr.name in ("regions", "region"):
            start = _string_start(text, at)
            return [Item(r, "region", "AWS region", start=start) for r in sorted(aws_regions())]
        if attr.name == "timezone":
            start = _string_start(text, at)
            return [Item(z, "value", "IANA time zone", start=start) for z in sorted(timezones())]
        if _in_string(text, at):
            return []
        named = _referenced_kind(attr.type)
        if named:
            return [Item(n, "name", named, f"the `{named}` block `{n}` of this file")
                    for n in _named(scan(text), named)]
        return [Item(m, "value", str(attr.type), attr.doc) for m in attr.type.enum_members]
    if cursor.words and cursor.words[0].text == "import" and cursor.block is None:
        start = _string_start(text, at)
        return [Item(m, "module", "standard library module", start=start) for m in std_modules()]
    if cursor.words:
        return []
    out = [Item(k, "block", " ".join([k, *schema.BLOCKS[k].labels]), schema.BLOCKS[k].doc)
           for k in child_kinds(cursor.block) if k in schema.BLOCKS]
    out += [Item(a.name, "attribute", str(a.type), a.doc) for a in attrs_of(cursor.block)]
    return out


def _referenced_kind(ty: schema.Ty) -> str:
    """The block kind a ``ref<…>`` type (or a list or choice of them) names: ``gate`` for ``gates``."""
    if ty.kind == "ref":
        return ty.ref
    if ty.item is not None:
        return _referenced_kind(ty.item)
    for option in ty.options:
        found = _referenced_kind(option)
        if found:
            return found
    return ""


def _named(outline: Outline, kind: str) -> list[str]:
    """The labels of the blocks of that kind in the file (at the top level and in pipelines), each once."""
    seen: dict[str, None] = {}
    for block in outline.blocks:
        for b in (block, *block.children):
            if b.kind == kind and b.labels:
                seen.setdefault(b.labels[0])
    return list(seen)
