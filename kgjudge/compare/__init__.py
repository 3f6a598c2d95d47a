"""Graph comparison: align two ReportGraphs, score them (ReXKG-style) and diff them.

``compare(reference, candidate)`` is the one entry point for a pair; ``compare_corpora`` (in
``kgjudge.compare.corpus``) compares two sets of reports as ReXKG does. Definitions of every score
are in docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kgjudge.compare.align import Embedder, GraphView, Matching, NodeSimilarity, align, view
from kgjudge.compare.corpus import CorpusComparison, CorpusGraph, GapRow, compare_corpora
from kgjudge.compare.diff import MODIFIER_TYPES, build_diff
from kgjudge.compare.metrics import score
from kgjudge.compare.model import (
    DIFF_KINDS,
    Alignment,
    Comparison,
    DiffItem,
    GraphDiff,
    Scores,
)
from kgjudge.domain import DEFAULT_COMPARE, CompareSettings
from kgjudge.graph import ReportGraph
from kgjudge.ontology import Lexicon

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack

__all__ = [
    "DIFF_KINDS", "Alignment", "Comparison", "CompareSettings", "CorpusComparison", "CorpusGraph",
    "DiffItem", "Embedder", "GapRow", "compare_corpora",
    "GraphDiff", "GraphView", "Matching", "NodeSimilarity", "Scores", "align", "compare",
    "compare_views", "compare_with_pack", "similarity_for", "to_alignment", "view",
]

_SIMILARITIES: dict[tuple[int, CompareSettings, int, float], NodeSimilarity] = {}


def similarity_for(lexicon: Lexicon | None, settings: CompareSettings, *,
                   embedder: Embedder | None = None,
                   embedding_threshold: float = 0.8) -> NodeSimilarity:
    """A NodeSimilarity reused across calls with the same lexicon and settings (cached)."""
    key = (id(lexicon), settings, id(embedder), embedding_threshold)
    cached = _SIMILARITIES.get(key)
    if cached is None or cached.lexicon is not lexicon or cached.embedder is not embedder:
        if len(_SIMILARITIES) >= 16:
            _SIMILARITIES.clear()
        cached = NodeSimilarity(lexicon, settings, embedder=embedder,
                                embedding_threshold=embedding_threshold)
        _SIMILARITIES[key] = cached
    return cached


def compare(reference: ReportGraph, candidate: ReportGraph, *, lexicon: Lexicon | None = None,
            settings: CompareSettings = DEFAULT_COMPARE,
            finding_roots: Iterable[str] = ("observation", "device"),
            embedder: Embedder | None = None, embedding_threshold: float = 0.8,
            reference_view: GraphView | None = None, diff: bool = True,
            modifier_types: Iterable[str] = MODIFIER_TYPES) -> Comparison:
    """Align, score and diff a candidate graph against a reference graph.

    Args:
        reference: The reference document's graph.
        candidate: The candidate document's graph.
        lexicon: The domain's ontology, for parent/child partial credit.
        settings: Partial credit, hops, assertion rule ('respect' or 'ignore'), typed AMS.
        finding_roots: Entity types that root a finding subgraph (SCS, diff findings).
        embedder: Optional texts -> vectors function for keys outside the ontology (off when None).
        embedding_threshold: Cosine from which embedded keys get credit (the cosine itself).
        reference_view: ``view(reference, settings.assertion)`` when the caller has it cached,
            as when one reference is compared with many candidates.
        diff: Build the GraphDiff (False leaves it empty, for scores alone).
        modifier_types: Types that only qualify other nodes; alone they get no diff item.
    """
    ref = reference_view if reference_view is not None else view(reference, settings.assertion)
    cand = view(candidate, settings.assertion)
    roots = tuple(finding_roots)
    similarity = similarity_for(lexicon, settings, embedder=embedder,
                                embedding_threshold=embedding_threshold)
    return compare_views(reference, candidate, ref, cand, similarity, settings=settings,
                         finding_roots=roots, diff=diff, modifier_types=modifier_types)


def compare_views(reference: ReportGraph, candidate: ReportGraph, ref: GraphView,
                  cand: GraphView, similarity: NodeSimilarity, *, settings: CompareSettings,
                  finding_roots: tuple[str, ...], diff: bool = True,
                  modifier_types: Iterable[str] = MODIFIER_TYPES) -> Comparison:
    """`compare` on graphs already seen as views."""
    matching = align(ref, cand, similarity)
    scores = score(ref, cand, matching, finding_roots=finding_roots,
                   typed_ams=settings.typed_ams)
    graph_diff = build_diff(ref, cand, matching, finding_roots=finding_roots,
                            modifier_types=modifier_types) if diff else GraphDiff()
    return Comparison(reference=reference, candidate=candidate,
                      alignment=to_alignment(ref, cand, matching), scores=scores,
                      diff=graph_diff)


def to_alignment(ref: GraphView, cand: GraphView, matching: Matching) -> Alignment:
    """The public Alignment, in graph node ids (an identity's first node when several collapse)."""
    pairs, back = matching.pairs, matching.back
    aligned = []
    for r in sorted(pairs):  # identities are unique: sorting them sorts the triples
        c, s = pairs[r]
        aligned.append((r, c, s))
    r_unmatched = [r for r in ref.ids if r not in pairs]
    c_unmatched = [c for c in cand.ids if c not in back]
    contradictions = list(matching.contradictions)
    if ref.keyed or cand.keyed:  # identities are keys: name each one's first graph node
        first_r, first_c = _first_ids(ref), _first_ids(cand)
        aligned = [(first_r[r], first_c[c], s) for r, c, s in aligned]
        r_unmatched = [first_r[r] for r in r_unmatched]
        c_unmatched = [first_c[c] for c in c_unmatched]
        contradictions = [(first_r[r], first_c[c]) for r, c in contradictions]
    return Alignment(tuple(aligned), tuple(r_unmatched), tuple(c_unmatched),
                     tuple(contradictions))


def _first_ids(graph: GraphView) -> dict[str, str]:
    """Identity -> its first graph node id, kept in the view's memo."""
    found = graph.memo.get("first_ids")
    if found is None:
        found = graph.memo["first_ids"] = {i: ids[0] for i, ids in graph.node_ids.items()}
    return found


def compare_with_pack(reference: ReportGraph, candidate: ReportGraph,
                      pack: DomainPack) -> Comparison:
    """`compare` with the settings, lexicon and finding roots of a domain pack."""
    return compare(reference, candidate, lexicon=pack.lexicon, settings=pack.compare,
                   finding_roots=pack.finding_roots,
                   modifier_types=pack.relations.clause.modify_types)
