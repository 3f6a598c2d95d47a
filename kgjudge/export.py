"""Export a run from the store: CSV / JSONL rows (atomic) and the corpus report per source.

One row per case and rubric: case id, source, files, every comparison metric, the verdict (score,
expected score, status, error, rationale, backend, model) and the analyst override in force (new
score, reason, who). Rows stream from the store; files are written to a temporary file beside the
target and renamed, so a reader never sees half an export.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from kgjudge.compare.model import Scores
from kgjudge.errors import ConfigError, StoreError
from kgjudge.store import CaseRecord, Store

METRICS = tuple(f.name for f in fields(Scores))
COLUMNS = (
    "case_id", "source", "reference_path", "candidate_path", "rubric", *METRICS, "score",
    "expected_score", "status", "error", "rationale", "backend", "model", "adapter",
    "override_score", "override_reason", "override_who", "final_score", "reviewed", "run_id",
)
FORMATS = ("csv", "jsonl")


def rows(store: Store, run_id: int) -> Iterator[dict[str, Any]]:
    """Export rows of one run, in (source, case id, rubric) order."""
    overrides = store.latest_overrides(run_id)
    for case, verdicts in store.results(run_id):
        base = _case_columns(case)
        if not verdicts:  # a case stored without verdicts still gets a row with its error
            yield {**dict.fromkeys(COLUMNS, None), **base, "rubric": "", "status": case.status,
                   "error": case.error, "run_id": run_id}
            continue
        for v in verdicts:
            override = overrides.get((case.source, case.id, v.rubric))
            yield {
                **base, "rubric": v.rubric, "score": v.score, "expected_score": v.expected_score,
                "status": v.status, "error": v.error or case.error, "rationale": v.rationale,
                "backend": v.backend, "model": v.model, "adapter": v.adapter,
                "override_score": override.new_score if override else None,
                "override_reason": override.reason if override else None,
                "override_who": override.who if override else None,
                "final_score": override.new_score if override else v.score,
                "reviewed": case.reviewed, "run_id": run_id,
            }


def _case_columns(case: CaseRecord) -> dict[str, Any]:
    scores = case.scores or {}
    return {"case_id": case.id, "source": case.source, "reference_path": case.reference_path,
            "candidate_path": case.candidate_path, **{m: scores.get(m) for m in METRICS}}


def write_rows(handle: IO[str], records: Iterator[dict[str, Any]], fmt: str) -> int:
    """Write rows as CSV (header first; None as empty) or JSONL; returns the row count."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else v for k, v in record.items()})
            count += 1
    elif fmt == "jsonl":
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ConfigError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")
    return count


@contextmanager
def atomic_text(path: str | Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only when fully written (temp file + rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp creates the file 0600; an export is an ordinary file, so honour the umask.
        os.fchmod(fd, _ordinary_file_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _ordinary_file_mode(target: Path) -> int:
    """The mode an existing target has, else 0666 less the umask (what open() would give)."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def export_run(store: Store, run_id: int, *, fmt: str = "csv", out: str | Path | None = None
               ) -> int:
    """Write one run's rows to ``out`` atomically (stdout when None or '-'); returns the count."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")
    if out is None or str(out) == "-":
        return write_rows(sys.stdout, rows(store, run_id), fmt)
    try:
        with atomic_text(out) as handle:
            return write_rows(handle, rows(store, run_id), fmt)
    except OSError as e:
        raise StoreError(f"cannot write the export to {out} ({e})") from e


# ---------------------------------------------------------------------------- corpus report
SHOWN = ("node_f1", "edge_f1", "nsc", "ams", "scs")


@dataclass
class SourceReport:
    """One candidate source against the references: pair means and the corpus comparison."""

    source: str
    cases: int = 0
    failed: int = 0
    metric_sums: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    metric_counts: Counter[str] = field(default_factory=Counter)
    corpus: Any = None
    """kgjudge.compare.corpus.CorpusComparison of all references vs all candidates."""

    def mean(self, metric: str) -> float | None:
        n = self.metric_counts[metric]
        return self.metric_sums[metric] / n if n else None


def corpus_report(store: Store, run_id: int, *, min_count: int = 1) -> list[SourceReport]:
    """Per candidate source: mean pair scores, and ReXKG's corpus comparison with knowledge gaps
    (reference concepts the source rarely produces), from the graphs stored in the run."""
    from kgjudge.compare.corpus import CorpusGraph, compare_corpora

    pack = _pack_of(store, run_id)
    assertion = pack.compare.assertion if pack else "respect"
    reports = []
    for source in store.sources(run_id):
        report = SourceReport(source)
        references, candidates = CorpusGraph(assertion), CorpusGraph(assertion)
        for case in store.cases(run_id, source=source):  # streamed: corpora keep counts only
            report.cases += 1
            if (case.status != "ok" or case.scores is None or case.reference_graph is None
                    or case.candidate_graph is None):
                report.failed += 1
                continue
            for metric in METRICS:
                value = case.scores.get(metric)
                if isinstance(value, int | float):
                    report.metric_sums[metric] += float(value)
                    report.metric_counts[metric] += 1
            references.add(case.reference_graph)
            candidates.add(case.candidate_graph)
        if candidates.documents:
            options: dict[str, Any] = {"min_count": min_count}
            if pack is not None:
                options.update(lexicon=pack.lexicon, settings=pack.compare,
                               finding_roots=pack.finding_roots)
            report.corpus = compare_corpora(references, candidates, **options)
        reports.append(report)
    return reports


def _pack_of(store: Store, run_id: int) -> Any:
    """The run's domain pack for partial credit, or None when it cannot be found any more."""
    from kgjudge.domain import load_pack
    from kgjudge.errors import PackError

    run = store.run(run_id)
    try:
        return load_pack(run.config.get("domain") or run.domain)
    except PackError:
        print(f"kgjudge: pack '{run.domain}' not found; corpus scores without ontology partial "
              "credit", file=sys.stderr)
        return None


def _scores_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{m}={values[m]:.3f}" for m in SHOWN if values.get(m) is not None)


def format_corpus_report(reports: list[SourceReport], *, top: int = 15) -> str:
    """Plain text, one block per source (stdout data)."""
    lines: list[str] = []
    for r in reports:
        means = {m: r.mean(m) for m in SHOWN}
        lines.append(f"== {r.source}: {r.cases} cases ({r.failed} failed)")
        lines.append(f"  pair means: {_scores_text(means) or 'none'}")
        if r.corpus is None:
            lines.append("  corpus: no scored case")
            continue
        lines.append(f"  corpus ({r.corpus.reference_documents} reference vs "
                     f"{r.corpus.candidate_documents} candidate reports): "
                     f"{_scores_text(r.corpus.overall.scores.as_dict())}")
        for etype, scores in r.corpus.by_type.items():
            lines.append(f"    {etype}: node_f1={scores.node_f1:.3f}")
        gaps = list(r.corpus.gaps)
        lines.append(f"  knowledge gaps: {len(gaps) or 'none'}")
        lines.extend(f"    {g.line()}" for g in gaps[:top])
        if len(gaps) > top:
            lines.append(f"    ... and {len(gaps) - top} more")
    return "\n".join(lines)
