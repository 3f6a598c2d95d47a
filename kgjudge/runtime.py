"""Process-wide settings for long runs (the CLI and batch workers apply them; a library never
changes global interpreter state on its own)."""

from __future__ import annotations

import gc

#: Objects allocated between two young-generation collections. CPython's default (700) makes a
#: scorer holding thousands of cached graphs, views and sentence parts walk them over and over
#: (gen2 passes): bench_score measured a first pass with the reference cache 15-25% slower for
#: it. Extraction's first pass over the IU reports ran ~4% faster again at 100,000 than at
#: 20,000 (scripts/bench_extract.py). kgjudge makes almost no reference cycles, so collecting
#: rarely costs no memory.
GC_THRESHOLD = (100_000, 50, 50)


def tune_for_long_runs() -> None:
    """Collect cyclic garbage rarely: kgjudge's work frees itself by reference counting."""
    gc.set_threshold(*GC_THRESHOLD)


def settle() -> None:
    """Call once the long-lived objects are built (the domain pack, spaCy, an extractor, a
    model): the cyclic collector stops walking them (``gc.freeze``). They live as long as the
    process, and every full collection of a long run would walk them again; a first pass over
    the 3,851 IU reports measured ~4% faster for it (scripts/bench_extract.py)."""
    gc.freeze()
