"""Benchmarks for wavec: generators of large ``.wave`` inputs and a runner that reports ratios.

Run ``python -m benchmarks`` (``--help`` for options); ``python -m benchmarks --write
docs/performance.md`` regenerates the performance page. These are measurements, not
timed tests: nothing here fails because a machine is slow.
"""
