"""Syntax: the grammar-driven parser, the typed syntax tree and the formatter."""
