"""Self-Taught-Evaluator rounds: the current judge labels fresh synthetic pairs for the next one.

Each round makes fresh variants of the training references (a new seed), pairs two variants of
one reference whose known target scores differ (so the better one is known), and lets the current
model judge both. Only judgments that agree with the known ordering (the better variant scored
strictly higher, both parsed) are kept, with the model's own rationale and score, and the next
model is trained from the base on the original data plus the kept judgments (Wang et al. 2024,
"Self-Taught Evaluators", with the knowledge graph as the oracle of the ordering).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.train.data import Example
    from kgjudge.train.recipe import Recipe
    from kgjudge.train.trainer import TrainResult


def ordered_pairs(pack: DomainPack, recipe: Recipe, references: list[str], *,
                  seed: int, limit: int) -> list[tuple[Example, Example]]:
    """(better, worse) synthetic examples of the same reference and rubric, at most ``limit``."""
    from random import Random

    from kgjudge.pipeline import Pipeline
    from kgjudge.train.synthetic import Perturber
    from kgjudge.train.targets import score_for

    pipeline = Pipeline(pack)
    perturber = Perturber(pack, pipeline, recipe.synthetic, seed=seed)
    rubrics = list(recipe.data.rubrics or pack.default_rubrics)
    pairs = []
    for text in references:
        variants = perturber.variants(text)
        for rid in rubrics:
            rubric = pack.rubric(rid)
            scored = sorted(((score_for(v.edits, rubric, recipe.synthetic), n, v)
                             for n, v in enumerate(variants)), key=lambda t: (-t[0], t[1]))
            for (s1, n1, v1), (s2, n2, v2) in combinations(scored, 2):
                if s1 > s2:
                    pairs.append((_example(text, rid, s1, n1, v1, recipe, seed),
                                  _example(text, rid, s2, n2, v2, recipe, seed)))
    Random(seed).shuffle(pairs)
    return pairs[:limit]


def _example(text: str, rubric: str, score: int, n: int, variant: Any, recipe: Recipe,
             seed: int) -> Example:
    from kgjudge.judge.base import Pair
    from kgjudge.train.data import Example

    pair = Pair(id=f"iterate-{seed}-{n}", reference=text, candidate=variant.candidate,
                instruction=recipe.data.instruction)
    return Example("iterate", rubric, score, "", pair, variant.comparison, variant.edits)


def agreeing_judgments(pairs: list[tuple[Example, Example]], pack: DomainPack,
                       judge: Any) -> list[Example]:
    """The judge's own verdicts on both members of each pair, where it ranks them correctly."""
    from kgjudge.judge.base import Case

    cases = [Case(e.pair, pack.rubric(e.rubric), e.comparison, pack.name)
             for pair in pairs for e in pair]
    verdicts = list(judge.judge_many(cases))
    kept = []
    for k, (better, worse) in enumerate(pairs):
        vb, vw = verdicts[2 * k], verdicts[2 * k + 1]
        if vb.score is None or vw.score is None or not vb.score > vw.score:
            continue
        kept += [replace(better, score=vb.score, rationale=vb.rationale or better.rationale),
                 replace(worse, score=vw.score, rationale=vw.rationale or worse.rationale)]
    return kept


def iterate(pack: DomainPack, recipe: Recipe, records: list[dict[str, Any]], out: Path,
            rounds: int, *, progress: bool = True) -> list[TrainResult]:
    """Train round 0 on ``records``, then ``rounds`` Self-Taught-Evaluator rounds."""
    from kgjudge.judge.hf import HFJudge
    from kgjudge.train.data import to_record
    from kgjudge.train.trainer import train

    results = [train(pack, recipe, records, out / "round-0", progress=progress)]
    train_refs = list(dict.fromkeys(r["pair"]["reference"] for r in records
                                    if r["split"] == "train"))
    current = list(records)
    for k in range(1, rounds + 1):
        pairs = ordered_pairs(pack, recipe, train_refs, seed=recipe.seed + k,
                              limit=recipe.iterate.pairs_per_round)
        last = results[-1]
        judge = HFJudge(pack, model_obj=last.model, tokenizer=last.tokenizer,
                        max_new_tokens=recipe.evaluation.max_new_tokens,
                        batch_size=recipe.evaluation.batch_size, truncate=True)
        kept = agreeing_judgments(pairs, pack, judge)
        print(f"iterate: round {k}: {len(kept) // 2}/{len(pairs)} pairs ranked correctly, "
              f"{len(kept)} judgments kept", file=sys.stderr)
        seen = {r["id"] for r in current}
        current += [r for r in (to_record(e, pack, "train") for e in kept) if r["id"] not in seen]
        results.append(train(pack, recipe, current, out / f"round-{k}", progress=progress))
    return results
