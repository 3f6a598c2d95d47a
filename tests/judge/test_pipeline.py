"""Pipeline: extract -> compare -> judge, and the bounded reference-graph cache."""

from __future__ import annotations

import json

import pytest

from kgjudge.cli import main
from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor
from kgjudge.judge.base import Pair
from kgjudge.pipeline import Pipeline


class CountingExtractor:
    """Wraps the pack's extractor and counts extractions per text."""

    name = "counting"

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner, self.calls = inner, 0

    def extract(self, text, doc_id=None):  # noqa: ANN001, ANN201
        self.calls += 1
        return self.inner.extract(text, doc_id)

    def extract_many(self, texts):  # noqa: ANN001, ANN201
        return (self.extract(t) for t in texts)


@pytest.fixture(scope="module")
def pack():  # noqa: ANN201
    return load_pack("legal")


REF = "Licensee shall pay a royalty of 5% of net sales quarterly."
CAND = "Licensee shall pay a royalty of 5% of net sales."


def test_judge_pair_gives_one_verdict_per_default_rubric(pack) -> None:  # noqa: ANN001
    verdicts = Pipeline(pack).judge_pair(Pair("p1", REF, CAND))
    assert [v.rubric for v in verdicts] == list(pack.default_rubrics)
    assert all(v.status == "ok" and v.case_id == "p1" for v in verdicts)
    assert Pipeline(pack).judge_pair(Pair("p2", REF, REF), ["completeness"])[0].score == 5


def test_reference_graphs_are_cached_by_text(pack) -> None:  # noqa: ANN001
    extractor = CountingExtractor(get_extractor(pack))
    pipeline = Pipeline(pack, extractor=extractor)
    for i in range(3):
        pipeline.compare_pair(Pair(f"p{i}", REF, CAND + " " * i))
    assert extractor.calls == 1 + 3  # one reference, three candidates
    assert pipeline.stats() == {"cached_references": 1, "hits": 2, "misses": 1}


def test_cache_is_bounded_lru(pack) -> None:  # noqa: ANN001
    extractor = CountingExtractor(get_extractor(pack))
    pipeline = Pipeline(pack, extractor=extractor, cache_size=2)
    refs = [f"Licensee shall pay a royalty of {n}% of net sales." for n in (1, 2, 3)]
    for ref in refs:
        pipeline.reference_graph(ref)
    assert pipeline.stats()["cached_references"] == 2
    pipeline.reference_graph(refs[2])  # most recent: a hit
    pipeline.reference_graph(refs[0])  # evicted first: a miss
    assert (pipeline.cache_hits, pipeline.cache_misses) == (1, 4)


def test_cli_judge_json_and_text(tmp_path, capsys, pack) -> None:  # noqa: ANN001
    ref, cand = tmp_path / "ref.txt", tmp_path / "cand.txt"
    ref.write_text("Licensee shall not assign this Agreement without the prior written "
                   "consent of Licensor.")
    cand.write_text("Licensee may assign this Agreement.")
    code = main(["judge", str(ref), str(cand), "--domain", "legal", "--rubric",
                 "factual_correctness", "--json"])
    lines = capsys.readouterr().out.strip().splitlines()
    verdict = json.loads(lines[0])
    assert code == 0 and len(lines) == 1
    assert verdict["rubric"] == "factual_correctness" and verdict["score"] < 5
    assert "Contradicted" in verdict["rationale"]
    code = main(["judge", str(ref), str(cand), "--domain", "legal"])
    out = capsys.readouterr().out
    assert code == 0 and all(r in out for r in pack.default_rubrics)
    assert "(expected " in out


def test_cli_judge_missing_file_is_input_error(tmp_path, capsys) -> None:  # noqa: ANN001
    code = main(["judge", str(tmp_path / "nope.txt"), str(tmp_path / "x.txt"), "--domain",
                 "legal"])
    err = capsys.readouterr().err
    assert code == 2 and "nope.txt does not exist" in err


def test_compare_pair_is_compare_with_pack_and_diff_false_keeps_the_scores() -> None:
    """Batch, review and judge compare through the Pipeline; `kgjudge score` through
    compare_with_pack: the same pack settings (modifier types included) give the same diff."""
    from kgjudge.compare import compare_with_pack

    news = load_pack("news")
    pipeline = Pipeline(news)
    pairs = [Pair("a", "The company lost 300 jobs in March 2015.", "The company lost jobs."),
             Pair("b", "Police arrested 12 people in London on Monday.",
                  "Police arrested 12 people in Paris.")]
    for pair in pairs:
        direct = compare_with_pack(pipeline.reference_graph(pair.reference),
                                   pipeline.extractor.extract(pair.candidate), news)
        through = pipeline.compare_pair(pair)
        assert through.diff.to_dict() == direct.diff.to_dict()
        assert through.scores == direct.scores
        scores_only = pipeline.compare_pair(pair, diff=False)
        assert scores_only.scores == direct.scores and scores_only.diff.items == ()
    # the news pack's modifier types (quantity, date) alone get no missing item
    assert not any(i.kind == "missing" and i.type in ("quantity", "date")
                   for p in pairs for i in pipeline.compare_pair(p).diff.items)
