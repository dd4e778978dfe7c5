"""The policy language: a typed model of each pipeline, rules compiled to closures, and their enforcement.

* :mod:`.types` — policy types and the model's object kinds and attributes;
* :mod:`.model` — the read-only model of one pipeline (effective values);
* :mod:`.compile`, :mod:`.ops`, :mod:`.builtins`, :mod:`.regex` — type-checking and compiling expressions;
* :mod:`.engine` — evaluating rules, ``allow`` suppressions;
* :mod:`.runtime` — what compiled rules run on (environment, closure types, runtime errors);
* :mod:`.sources` — configured and standard-library policies, rule documentation.
"""
