"""The `.wave` standard library: ``import "std/..."`` resolves to the modules in this folder."""
