"""Speed and memory benchmarks, each a ratio to a baseline measured in the same run.

Run from the repository root with ``python -m benchmarks.run`` (``--quick`` for a short run,
``--write`` to rewrite ``docs/benchmarks.md``). Ratios, not absolute times, are what compare
across machines; see ``docs/benchmarks.md`` for what each benchmark measures and why.
"""
