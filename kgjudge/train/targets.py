"""Target scores and rationales of training examples.

Synthetic candidates carry known edits. Their target score under a rubric follows one documented
mapping (docs/training.md):

    penalty = sum over edits of severity[kind] * relevance(rubric, kind)
    score   = 5 - (number of score_cuts strictly below penalty)

``severity`` comes from the recipe's ``[synthetic.severity]``. ``relevance`` is the recipe's
``[synthetic.relevance.<rubric>]`` weight when given, else derived from the rubric: 1 when the
rubric's kg judge penalises the diff category the edit produces (a dropped finding is a
``missing_finding``, a dropped negative a ``missing_negative``, an added finding an
``extra_finding``, ...; fallbacks as the kg judge prices them), 0 when it does not, and 1 for
every edit when the rubric names no penalties. The rationale names every edit, says which ones
bear on the rubric, and ends with the rubric's own description of the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison
    from kgjudge.rubric import Rubric
    from kgjudge.train.recipe import SyntheticSettings
    from kgjudge.train.synthetic import Edit

#: The kg-judge penalty categories each edit kind shows up as in a GraphDiff.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "drop_finding": ("missing_finding", "missing"),
    "drop_negative": ("missing_negative",),
    "flip_assertion": ("contradicted",),
    "swap_side": ("relation_mismatch",),
    "move_location": ("relation_mismatch",),
    "change_modifier": ("relation_mismatch",),
    "change_size": ("relation_mismatch",),
    "add_finding": ("extra_finding", "extra"),
    "add_device": ("extra_device", "extra_finding", "extra"),
    "reorder": (),
}
_ATTRIBUTE = {"swap_side": "side", "move_location": "location", "change_modifier": "qualifier",
              "change_size": "size"}


def relevance(rubric: Rubric, kind: str, settings: SyntheticSettings) -> float:
    """How much an edit of ``kind`` counts under ``rubric`` (0 = not at all)."""
    explicit = settings.relevance.get(rubric.id, {})
    if kind in explicit:
        return explicit[kind]
    penalties = {k: v for k, v in rubric.kg.penalties.items() if v > 0}
    if kind == "reorder":
        return 0.0
    if not penalties:
        return 1.0
    return 1.0 if any(rubric.kg.cost(c) > 0 for c in CATEGORIES[kind]) else 0.0


def penalty(edits: Sequence[Edit], rubric: Rubric, settings: SyntheticSettings) -> float:
    return sum(settings.severity.get(e.kind, 1.0) * relevance(rubric, e.kind, settings)
               for e in edits)


def score_for(edits: Sequence[Edit], rubric: Rubric, settings: SyntheticSettings) -> int:
    """The target 1-5 score of a candidate with these edits under ``rubric``."""
    p = penalty(edits, rubric, settings)
    return 5 - sum(1 for cut in settings.score_cuts if cut < p)


def edit_sentence(edit: Edit) -> str:
    """One sentence naming the edit (its label always appears verbatim)."""
    label = edit.label
    if edit.kind == "drop_finding":
        return f"The response omits the reference's finding '{label}'."
    if edit.kind == "drop_negative":
        return f"The response leaves out the reference's negative statement '{label}'."
    if edit.kind == "flip_assertion":
        return (f"The response states '{label}' as {edit.candidate_assertion} where the reference "
                f"has it {edit.reference_assertion}.")
    if edit.kind in _ATTRIBUTE:
        detail = edit.detail.split(": ", 1)[-1] if edit.detail else "it differs"
        return f"The response misstates the {_ATTRIBUTE[edit.kind]} of '{label}' ({detail})."
    if edit.kind in ("add_finding", "add_device"):
        what = "device" if edit.kind == "add_device" else "finding"
        return f"The response adds the {what} '{label}', which the reference does not support."
    return "The response orders the sentences differently but keeps their facts."


def synthetic_rationale(edits: Sequence[Edit], rubric: Rubric, score: int,
                        settings: SyntheticSettings) -> str:
    """A rationale from the known edits: relevant ones first, then the ones that do not count."""
    title = rubric.title or rubric.id.replace("_", " ")
    relevant = [e for e in edits if relevance(rubric, e.kind, settings) > 0]
    other = [e for e in edits if e not in relevant]
    parts = [edit_sentence(e) for e in relevant]
    if not relevant:
        parts.append(f"The response keeps every fact of the reference that matters for {title}.")
    if other:
        parts.append("Not counted under " + title + ": "
                     + " ".join(edit_sentence(e) for e in other))
    parts.append(rubric.description(score))
    return " ".join(parts)


def diff_summary(comparison: Comparison, *, limit: int = 6) -> str:
    """A sentence listing the graph differences (for rationales of human-labelled examples)."""
    items = [i for i in comparison.diff.items if i.kind != "matched"]
    if not items:
        return "The knowledge graphs of the response and the reference match."
    shown = [f"{i.kind.replace('_', ' ')} {i.detail or i.label or i.key}" for i in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "The knowledge graph comparison shows: " + "; ".join(shown) + more + "."


def completion(rationale: str, score: int) -> str:
    """The judge's output contract: ``Feedback: <rationale> [RESULT] <score>``."""
    # No brackets inside: the structured-output regex (judge.parse.OUTPUT_REGEX) forbids them.
    text = " ".join(rationale.split()).replace("[", "(").replace("]", ")")[:2000]
    return f"Feedback: {text} [RESULT] {score}"
