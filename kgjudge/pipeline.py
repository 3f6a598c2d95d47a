"""Pipeline: extract -> compare -> judge for one pair, with a bounded reference-graph cache.

Many candidates are usually judged against one reference (several models, several rubrics), so
reference graphs (and their comparison views) are cached by a hash of the text; the cache is a
bounded LRU so memory stays flat on long batches.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from kgjudge.compare import compare, view
from kgjudge.judge.base import Case, Judge, Pair, Verdict

if TYPE_CHECKING:
    from kgjudge.compare import GraphView
    from kgjudge.compare.model import Comparison
    from kgjudge.domain import DomainPack
    from kgjudge.extract import Extractor
    from kgjudge.graph import ReportGraph


class Pipeline:
    """Extracts, compares and judges pairs of one domain."""

    def __init__(self, pack: DomainPack, *, extractor: Extractor | None = None,
                 judge: Judge | None = None, cache_size: int = 256) -> None:
        """Defaults: the pack's extractor and the embedded kg judge.

        Args:
            cache_size: how many reference graphs to keep (least recently used are dropped).
        """
        self.pack = pack
        self._extractor = extractor
        self._judge = judge
        self.cache_size = max(0, cache_size)
        # OrderedDict rather than functools.lru_cache: keyed by text hash, not by the text itself,
        # and inspectable (hits/misses) without holding the texts.
        self._references: OrderedDict[str, tuple[ReportGraph, GraphView]] = OrderedDict()
        self.cache_hits = 0
        self.cache_misses = 0

    @property
    def extractor(self) -> Extractor:
        if self._extractor is None:
            from kgjudge.extract import get_extractor

            self._extractor = get_extractor(self.pack)
        return self._extractor

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            from kgjudge.judge import get_judge

            self._judge = get_judge("kg", self.pack)
        return self._judge

    def reference_graph(self, text: str, doc_id: str | None = None) -> ReportGraph:
        """The reference's graph, from the cache when the same text was seen recently."""
        return self._reference(text, doc_id)[0]

    def _reference(self, text: str, doc_id: str | None) -> tuple[ReportGraph, GraphView]:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        cached = self._references.get(key)
        if cached is not None:
            self._references.move_to_end(key)
            self.cache_hits += 1
            return cached
        self.cache_misses += 1
        graph = self.extractor.extract(text, doc_id)
        entry = (graph, view(graph, self.pack.compare.assertion))
        if self.cache_size:
            self._references[key] = entry
            while len(self._references) > self.cache_size:
                self._references.popitem(last=False)
        return entry

    def compare_pair(self, pair: Pair, *, diff: bool = True) -> Comparison:
        """Extract both documents and compare the candidate's graph with the reference's, as
        `compare_with_pack` does (``diff=False``: scores and alignment only, an empty diff)."""
        reference, reference_view = self._reference(pair.reference, f"{pair.id}:reference")
        candidate = self.extractor.extract(pair.candidate, f"{pair.id}:candidate")
        return compare(reference, candidate, lexicon=self.pack.lexicon,
                       settings=self.pack.compare, finding_roots=self.pack.finding_roots,
                       reference_view=reference_view, diff=diff,
                       modifier_types=self.pack.relations.clause.modify_types)

    def cases(self, pair: Pair, rubrics: list[str] | None = None,
              comparison: Comparison | None = None) -> list[Case]:
        """One Case per rubric (default: the pack's default rubrics), sharing one comparison."""
        comparison = comparison or self.compare_pair(pair)
        ids = list(rubrics) if rubrics is not None else list(self.pack.default_rubrics)
        return [Case(pair=pair, rubric=self.pack.rubric(r), comparison=comparison,
                     domain=self.pack.name) for r in ids]

    def judge_pair(self, pair: Pair, rubrics: list[str] | None = None) -> list[Verdict]:
        """Verdicts for ``pair`` under each rubric, in rubric order."""
        return list(self.judge.judge_many(self.cases(pair, rubrics)))

    def clear_cache(self) -> None:
        """Forget the cached reference graphs and views (the counts stay)."""
        self._references.clear()

    def stats(self) -> dict[str, Any]:
        return {"cached_references": len(self._references), "hits": self.cache_hits,
                "misses": self.cache_misses}
