"""Work the review UI runs in worker threads: re-judge a pair, judge an ad hoc pair, export.

Plain functions (no Textual) that the UI runs in worker threads. Ad hoc pairs are written to a
store of their own, ``$KGJUDGE_DATA/adhoc.sqlite`` (default ``~/.local/share/kgjudge``, or
``$XDG_DATA_HOME/kgjudge``), one run per pair, so overrides of an ad hoc judgement are kept with
the same append-only audit trail as a batch run's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kgjudge.inputs import read_document
from kgjudge.judge.base import Pair, Verdict

if TYPE_CHECKING:
    from kgjudge.tui.data import RunData


@dataclass(frozen=True)
class AdhocRequest:
    """A reference file and a candidate file to judge, under a domain pack."""

    reference: Path
    candidate: Path
    domain: str
    backend: str = "kg"
    store: Path | None = None
    """Where to record it; default: adhoc_store_path()."""


def adhoc_store_path() -> Path:
    """The store ad hoc judgements go to ($KGJUDGE_DATA, else the XDG data folder)."""
    base = os.environ.get("KGJUDGE_DATA") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share", "kgjudge")
    return Path(base) / "adhoc.sqlite"


def judge_pair(pair: Pair, *, domain: str, backend: str,
               rubrics: list[str] | None = None) -> list[Verdict]:
    """Judge ``pair`` with ``backend`` under the pack ``domain`` (re-judge from the case screen)."""
    from kgjudge.domain import load_pack
    from kgjudge.judge import get_judge
    from kgjudge.pipeline import Pipeline

    pack = load_pack(domain)
    pipeline = Pipeline(pack, judge=get_judge(backend, pack))
    return list(pipeline.judge_pair(pair, rubrics))


def judge_adhoc(request: AdhocRequest) -> tuple[Path, int]:
    """Extract, compare and judge the request's pair into its store; returns (store, run id)."""
    from kgjudge.domain import load_pack
    from kgjudge.judge import get_judge
    from kgjudge.pipeline import Pipeline
    from kgjudge.store import Store

    pair = Pair(id=request.candidate.stem, reference=read_document(request.reference),
                candidate=read_document(request.candidate), source="adhoc",
                reference_path=str(request.reference), candidate_path=str(request.candidate))
    pack = load_pack(request.domain)
    pipeline = Pipeline(pack, judge=get_judge(request.backend, pack))
    cases = pipeline.cases(pair)
    comparison = cases[0].comparison if cases else pipeline.compare_pair(pair)
    verdicts = list(pipeline.judge.judge_many(cases))
    path = request.store or adhoc_store_path()
    with Store(path) as store:
        config = {"adhoc": True, "reference": pair.reference_path,
                  "candidate": pair.candidate_path, "domain": pack.name,
                  "backend": request.backend}
        run_id = store.create_run(config=config, domain=pack.name, pack_hash=pack.content_hash,
                                  rubrics=list(pack.default_rubrics), backend=request.backend,
                                  input=f"{pair.reference_path} {pair.candidate_path}")
        store.add_result(run_id, pair, comparison=comparison,
                         verdicts=[_with_source(v, pair.source) for v in verdicts])
        store.finish_run(run_id)
    return path, run_id


def _with_source(verdict: Verdict, source: str) -> Verdict:
    from dataclasses import replace

    return verdict if verdict.source else replace(verdict, source=source)


def export_run(data: RunData, path: Path) -> int:
    """Write the run to ``path`` (.jsonl or CSV) with kgjudge.export, the exporter the CLI uses."""
    from kgjudge.export import export_run as export

    fmt = "jsonl" if path.suffix.lower() == ".jsonl" else "csv"
    return export(data.store, data.run.id, fmt=fmt, out=path)

