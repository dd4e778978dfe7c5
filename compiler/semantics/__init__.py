"""Semantics: the schema, module loading, lowering of the syntax tree to the typed IR."""
