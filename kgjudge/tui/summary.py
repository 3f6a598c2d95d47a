"""What the queue needs of every case, as plain tuples keyed by (source, case_id).

The store reads the few columns in bulk (Store.queue_rows); this module only shapes them for the
queue, so opening a 10,000-case run never builds full case records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kgjudge.store import Store

CaseKey = tuple[str, str]


@dataclass
class QueueData:
    """Per case: (status, reviewed, nsc, ams, scs, contradictions); verdict and override scores."""

    cases: dict[CaseKey, tuple[str, bool, float | None, float | None, float | None, int]] = \
        field(default_factory=dict)
    verdicts: dict[CaseKey, dict[str, tuple[str, int | None]]] = field(default_factory=dict)
    """rubric -> (status, score)."""
    overrides: dict[CaseKey, dict[str, int]] = field(default_factory=dict)
    """rubric -> the score in force after the latest override."""


def read_queue(store: Store, run_id: int) -> QueueData:
    """The queue's view of run ``run_id``."""
    data = QueueData()
    cases, verdicts, overrides = store.queue_rows(run_id)
    for source, case_id, status, reviewed, nsc, ams, scs, contra in cases:
        data.cases[(source, case_id)] = (status, bool(reviewed), nsc, ams, scs, int(contra or 0))
    for source, case_id, rubric, status, score in verdicts:
        data.verdicts.setdefault((source, case_id), {})[rubric] = (status, score)
    for source, case_id, rubric, score in overrides:
        data.overrides.setdefault((source, case_id), {})[rubric] = score
    return data
