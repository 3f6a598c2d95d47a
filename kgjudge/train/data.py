"""Training examples for a domain's judge: sources, deduplication, split and the JSONL file.

Every example is a prompt-completion pair in chat form. The prompt is the judge's own
(``kgjudge.judge.prompt.build_prompt`` on the same Case the judge would see at inference); the
completion is ``Feedback: <rationale> [RESULT] <score>``. Sources, in priority order when two
give the same (rubric, reference, candidate): analyst overrides from stores, labelled files,
synthetic pairs (kgjudge.train.synthetic). The split is by reference document, so no reference
is in both train and evaluation.

One JSONL line per example::

    {"id", "source", "rubric", "score", "reference_id", "split", "edits": [...],
     "pair": {"reference", "candidate", "instruction"},
     "prompt": [{"role": "system", ...}, {"role": "user", ...}],
     "completion": [{"role": "assistant", "content": "Feedback: ... [RESULT] 4"}]}
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any

from kgjudge.errors import InputError
from kgjudge.judge.base import Case, Pair

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison
    from kgjudge.domain import DomainPack
    from kgjudge.pipeline import Pipeline
    from kgjudge.train.recipe import Recipe
    from kgjudge.train.synthetic import Edit

#: Source priority when deduplicating (lower wins).
PRIORITY = {"override": 0, "labelled": 1, "iterate": 2, "synthetic": 3}


@dataclass(frozen=True)
class Example:
    """One training example before rendering."""

    source: str
    rubric: str
    score: int
    rationale: str
    pair: Pair
    comparison: Comparison = field(repr=False)
    edits: tuple[Edit, ...] = ()

    @property
    def reference_id(self) -> str:
        return reference_id(self.pair.reference)

    @property
    def key(self) -> str:
        """Identity for deduplication: rubric, reference and candidate."""
        text = "\0".join([self.rubric, self.pair.reference.strip(), self.pair.candidate.strip()])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def reference_id(text: str) -> str:
    """The reference document's identity (whitespace-normalised text hash)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def to_record(example: Example, pack: DomainPack, split: str) -> dict[str, Any]:
    """The JSONL record: the judge's own prompt for this Case and the target completion."""
    from kgjudge.judge.prompt import build_prompt
    from kgjudge.train.targets import completion

    case = Case(pair=example.pair, rubric=pack.rubric(example.rubric),
                comparison=example.comparison, domain=pack.name)
    prompt = build_prompt(case)
    return {
        "id": f"{example.source}-{example.key}", "source": example.source,
        "rubric": example.rubric, "score": example.score, "reference_id": example.reference_id,
        "split": split, "edits": [asdict(e) for e in example.edits],
        "pair": {"id": example.pair.id, "reference": example.pair.reference,
                 "candidate": example.pair.candidate, "instruction": example.pair.instruction},
        "prompt": list(prompt.messages),
        "completion": [{"role": "assistant",
                        "content": completion(example.rationale, example.score)}],
    }


# ----------------------------------------------------------------------------- sources

def from_synthetic(references: Sequence[str], pack: DomainPack, pipeline: Pipeline,
                   recipe: Recipe, rubrics: Sequence[str]) -> list[Example]:
    """Synthetic examples of every reference, balanced across scores 1-5 per rubric."""
    from kgjudge.train.synthetic import Perturber
    from kgjudge.train.targets import score_for, synthetic_rationale

    settings = recipe.synthetic
    perturber = Perturber(pack, pipeline, settings, seed=recipe.seed)
    examples = []
    for n, text in enumerate(references):
        for m, variant in enumerate(perturber.variants(text)):
            pair = Pair(id=f"synthetic-{reference_id(text)[:8]}-{m}", reference=text,
                        candidate=variant.candidate, instruction=recipe.data.instruction,
                        source="synthetic")
            for rid in rubrics:
                rubric = pack.rubric(rid)
                score = score_for(variant.edits, rubric, settings)
                examples.append(Example(
                    "synthetic", rid, score,
                    synthetic_rationale(variant.edits, rubric, score, settings), pair,
                    variant.comparison, variant.edits))
        if (n + 1) % 25 == 0:
            print(f"synthetic: {n + 1}/{len(references)} references", file=sys.stderr)
    return balance(examples, per_score=settings.per_score, seed=recipe.seed)


def balance(examples: list[Example], *, per_score: int = 0, seed: int = 0) -> list[Example]:
    """Equal numbers per (rubric, score): ``per_score`` each, or as many as the rarest score."""
    rng = Random(seed)
    kept: list[Example] = []
    for rubric in sorted({e.rubric for e in examples}):
        groups = {s: [e for e in examples if e.rubric == rubric and e.score == s]
                  for s in range(1, 6)}
        present = [len(g) for g in groups.values() if g]
        missing = [s for s, g in groups.items() if not g]
        if missing:
            print(f"synthetic: rubric '{rubric}' has no example with score "
                  f"{', '.join(map(str, missing))}; add references or raise [synthetic].max_edits",
                  file=sys.stderr)
        size = per_score or min(present, default=0)
        for score in range(1, 6):
            group = groups[score]
            rng.shuffle(group)
            kept += group[:size]
    return kept


def from_stores(paths: Iterable[str | Path], pack: DomainPack,
                pipeline: Pipeline) -> list[Example]:
    """Analyst overrides in force, in runs of this domain; the reason seeds the rationale."""
    from kgjudge.store import Store
    from kgjudge.train.targets import diff_summary

    examples = []
    for path in paths:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such store; pass the .sqlite file a batch or review "
                             "run wrote")
        with Store(path) as store:
            for run in store.runs():
                if run.domain != pack.name:
                    continue
                for (source, case_id, rubric), o in store.latest_overrides(run.id).items():
                    record = store.case(run.id, case_id, source=source)
                    if record is None or rubric not in pack.rubrics:
                        continue
                    pair = record.pair()
                    comparison = pipeline.compare_pair(pair)
                    reason = o.reason.strip().rstrip(".")
                    rationale = f"{reason}. {diff_summary(comparison)}"
                    examples.append(Example("override", rubric, o.new_score, rationale, pair,
                                            comparison))
    return examples


def from_labelled(paths: Iterable[str | Path], pack: DomainPack,
                  pipeline: Pipeline) -> list[Example]:
    """Human-scored pairs from CSV / JSONL (columns in docs/training.md)."""
    from kgjudge.evaluate.data import read_rows
    from kgjudge.train.targets import diff_summary

    examples = []
    for path in paths:
        path = Path(path)
        for n, row in enumerate(read_rows(path), 2):
            where = f"{path}:{n}"
            pair = _labelled_pair(row, path, where)
            rubric = str(row.get("rubric") or row.get("criterion") or "").strip()
            if rubric not in pack.rubrics:
                raise InputError(f"{where}: rubric '{rubric}' is not a rubric of domain "
                                 f"'{pack.name}' ({', '.join(pack.rubrics)})")
            score = _score(row.get("score"), where)
            comparison = pipeline.compare_pair(pair)
            rationale = str(row.get("rationale") or "").strip() or diff_summary(comparison)
            examples.append(Example("labelled", rubric, score, rationale, pair, comparison))
    return examples


def _labelled_pair(row: dict[str, Any], path: Path, where: str) -> Pair:
    texts = {}
    for side in ("reference", "candidate"):
        text, file = row.get(side), row.get(f"{side}_path")
        if not text and file:
            target = Path(file) if Path(file).is_absolute() else path.parent / file
            try:
                text = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise InputError(f"{where}: cannot read {side}_path {target}: {e}") from e
        if not text or not str(text).strip():
            raise InputError(f"{where}: needs a '{side}' text or a '{side}_path' column")
        texts[side] = str(text)
    return Pair(id=str(row.get("id") or row.get("case_id") or where), reference=texts["reference"],
                candidate=texts["candidate"], instruction=str(row.get("instruction") or ""),
                source="labelled")


def _score(value: Any, where: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: score {value!r} is not a number 1-5") from None
    if not 1 <= number <= 5:
        raise InputError(f"{where}: score {number} is outside 1-5")
    return int(math.floor(number + 0.5))  # annotators' means round half up


def read_references(folder: Path | None, extra: str | Path | None = None, *,
                    limit: int | None = None) -> list[str]:
    """Reference texts: ``*.txt`` of a folder, plus a CSV / JSONL file (IU X-ray style
    ``findings`` + ``impression`` columns, or a ``reference`` / ``text`` column)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))] \
        if folder is not None and folder.is_dir() else []
    if extra:
        from kgjudge.evaluate.data import read_rows

        for row in read_rows(extra):
            parts = [str(row.get(c) or "").strip() for c in ("findings", "impression")]
            text = "\n".join(p for p in parts if p) or str(row.get("reference")
                                                          or row.get("text") or "")
            if text.strip():
                texts.append(text.strip())
    texts = [t for t in dict.fromkeys(texts) if t.strip()]
    return texts[:limit] if limit else texts


# ----------------------------------------------------------------------------- assembly

def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per (rubric, reference, candidate); overrides beat labels beat synthetic."""
    best: dict[str, Example] = {}
    for e in examples:
        current = best.get(e.key)
        if current is None or PRIORITY[e.source] < PRIORITY[current.source]:
            best[e.key] = e
    return list(best.values())


def split_references(ids: Iterable[str], fraction: float, seed: int) -> set[str]:
    """Reference ids held out for evaluation: a seeded share of the distinct documents."""
    unique = sorted(set(ids), key=lambda r: hashlib.sha256(f"{seed}:{r}".encode()).hexdigest())
    if len(unique) < 2:
        return set()
    count = min(len(unique) - 1, max(1, round(fraction * len(unique))))
    return set(unique[:count])


def build_records(examples: list[Example], pack: DomainPack,
                  recipe: Recipe) -> list[dict[str, Any]]:
    """Deduplicate, split by reference document, and render every example."""
    examples = deduplicate(examples)
    held_out = split_references((e.reference_id for e in examples),
                                recipe.evaluation.fraction, recipe.seed)
    return [to_record(e, pack, "eval" if e.reference_id in held_out else "train")
            for e in examples]


def build_dataset(pack: DomainPack, recipe: Recipe, *, references_file: str | Path | None = None,
                  max_references: int | None = None, stores: Sequence[str] = (),
                  labelled: Sequence[str] = (), pipeline: Pipeline | None = None,
                  teacher: bool = True) -> list[dict[str, Any]]:
    """Every example of the recipe's sources (plus command-line ones) as JSONL records."""
    from kgjudge.pipeline import Pipeline

    pipeline = pipeline or Pipeline(pack)
    rubrics = list(recipe.data.rubrics or pack.default_rubrics)
    for rid in rubrics:
        pack.rubric(rid)  # unknown rubric -> ConfigError naming the known ones
    examples = from_stores([*map(recipe.resolve, recipe.data.stores), *stores], pack, pipeline)
    examples += from_labelled([*map(recipe.resolve, recipe.data.labelled), *labelled], pack,
                              pipeline)
    if recipe.synthetic.enabled:
        references = read_references(pack.path / recipe.data.references, references_file,
                                     limit=max_references)
        examples += from_synthetic(references, pack, pipeline, recipe, rubrics)
    if teacher and recipe.teacher.base_url:
        from kgjudge.train.teacher import with_teacher_rationales

        examples = with_teacher_rationales(examples, pack, recipe.teacher)
    return build_records(examples, pack, recipe)


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> str:
    """Write records atomically; returns the file's sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for record in records:
            line = json.dumps(record, ensure_ascii=False) + "\n"
            digest.update(line.encode("utf-8"))
            f.write(line)
    os.replace(tmp, path)
    return digest.hexdigest()


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no training data; build it with 'kgjudge train data'")
    from kgjudge.evaluate.data import json_lines

    return json_lines(path.read_text(encoding="utf-8"), path)


def summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts per split, source, rubric and score (printed to stderr, saved beside the adapter)."""
    return {
        "examples": len(records),
        "splits": dict(Counter(r["split"] for r in records)),
        "sources": dict(Counter(r["source"] for r in records)),
        "scores": {rubric: dict(sorted(Counter(r["score"] for r in records
                                               if r["rubric"] == rubric).items()))
                   for rubric in sorted({r["rubric"] for r in records})},
        "references": len({r["reference_id"] for r in records}),
    }


def with_split(records: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [r for r in records if r["split"] == split]


__all__ = ["Example", "balance", "build_dataset", "build_records", "deduplicate", "from_labelled",
           "from_stores", "from_synthetic", "read_jsonl", "read_references", "reference_id",
           "split_references", "summary", "to_record", "with_split", "write_jsonl"]
