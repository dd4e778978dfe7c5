"""semantics.lower."""
