"""Documents per second of the ``rules`` extractor beside bare spaCy tokenisation, same texts.

    python scripts/bench_extract.py [--domain radiology] [--reports PATH] [--rounds 3]

Texts are the findings + impression of the real IU chest X-ray reports (3,851; see
../shared/data/iu-xray/README.md). Both are timed in the same run, on one core, best of
``--rounds``; the figure that matters is the ratio (target: >= 0.35).

Each figure is set beside the tokenizer in the same state: a first pass (a new extractor, with
a new vocabulary) beside a new bare pipeline's first pass over the texts, where spaCy makes
each word's Lexeme and splits each new chunk's affixes once; a steady state beside the bare
tokenizer run again on texts it has seen (its chunk cache warm).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from kgjudge.runtime import settle, tune_for_long_runs

DEFAULT_REPORTS = Path(__file__).resolve().parents[2] / "shared/data/iu-xray/indiana_reports.csv"


def report_texts(path: Path) -> list[str]:
    """Findings and impression of each report, joined as one document."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [" ".join(t for t in (r["findings"], r["impression"]) if t.strip()) for r in rows]


def best_time(run: Callable[[], object], rounds: int) -> float:
    """Best CPU time of this process over ``rounds`` runs: on a shared machine, wall time
    mostly measures the neighbours; both sides run single-threaded, so CPU time is one core."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def best_fresh(make: Callable[[], object], run: Callable[[object], object], rounds: int, *,
               settled: bool = True) -> float:
    """Best CPU time over ``rounds`` of ``run`` on a new object from ``make`` each round (the
    making is not timed): a first pass, caches and vocabulary new. As in a new process, the
    round before is gone first, and what ``make`` built is settled as the CLI settles what it
    loaded (kgjudge.runtime.settle; ``settled=False``: ``make`` settles it itself)."""
    times = []
    for _ in range(rounds):
        made = None
        gc.unfreeze()  # the round before: collected, not kept frozen
        gc.collect()
        made = make()
        if settled:
            settle()
        start = time.process_time()
        run(made)
        times.append(time.process_time() - start)
    return min(times)


def pieces(text: str) -> list[str]:
    """The pieces the rules extractor caches (whole sentences)."""
    from kgjudge.extract.rules import piece_ends

    out, start = [], 0
    for cut in piece_ends(text):
        if cut > start:
            out.append(text[start:cut])
            start = cut
    return out


def consume(items: Iterable[object]) -> int:
    return sum(1 for _ in items)


def rules_without_graph(extractor, texts: list[str]) -> Iterable[object]:  # noqa: ANN001
    """The rules extractor's work up to, not including, building the ReportGraph."""
    from kgjudge.extract.context import assert_mentions

    builder, matcher = extractor.builder, extractor.matcher
    for doc in extractor.nlp.tokenizer.pipe(texts):
        found = matcher.match(doc)
        yield assert_mentions(found.mentions, found, asserted_types=builder.asserted_types,
                              max_tokens=builder.pack.context.max_tokens)
        yield list(builder.relations.find(found.mentions, found))


def graphs_only(done: list) -> Iterable[object]:  # noqa: ANN001
    """Rebuild each document's ReportGraph from its extracted nodes and edges (graph cost only)."""
    from kgjudge.graph import ReportGraph

    for g in done:
        new = ReportGraph(text=g.text)
        for n in g.nodes():
            for span in n.spans:
                new.add_node(n.key, n.type, assertion=n.assertion, label=n.label, span=span)
        for e in g.edges():
            new.add_edge(e.source, e.relation, e.target, evidence=e.evidence)
        yield new


def _extractor(pack, **options):  # noqa: ANN001, ANN202
    from kgjudge.extract import get_extractor

    try:
        return get_extractor(pack, "rules", **options)
    except TypeError:  # an extractor from before the document cache (to measure a baseline)
        return get_extractor(pack, "rules")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="radiology")
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use the first N reports")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, for both measurements
    tune_for_long_runs()  # as `kgjudge extract` runs (for both measurements), which also
    # settles what it loaded before reading (kgjudge.runtime.settle; here after each build)

    import spacy

    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor

    texts = report_texts(args.reports)[: args.limit]
    if len(texts) < 1000:
        print(f"warning: only {len(texts)} documents (the benchmark wants >= 1,000)",
              file=sys.stderr)
    words = sum(len(t.split()) for t in texts)
    bare = spacy.blank("en")
    pack = load_pack(args.domain)
    extractor = get_extractor(pack, "rules")
    settle()
    consume(extractor.extract_many(texts[:50]))  # warm-up: first-call costs are not throughput
    t_bare = best_time(lambda: consume(bare.pipe(texts, batch_size=256)), args.rounds)

    def new_bare():  # noqa: ANN202
        nlp = spacy.blank("en")
        nlp.make_doc("warm up")  # first-call costs are not throughput
        return nlp

    def new_extractor():  # noqa: ANN202
        made = get_extractor(pack, "rules")
        made.extract("Warm up. No effusion.")
        made.clear_cache()
        return made

    def bare_read(nlp, part: list[str]):  # noqa: ANN001, ANN202
        consume(nlp.pipe(part, batch_size=256))
        return nlp

    def rules_read(made, part: list[str]):  # noqa: ANN001, ANN202
        consume(made.extract_many(part))
        return made

    t_bare_cold = best_fresh(new_bare, lambda nlp: bare_read(nlp, texts), args.rounds)

    def new_lean_bare():  # noqa: ANN202 - the tokenizer as the rules extractor builds it
        from kgjudge.extract.pipeline import build_nlp

        nlp = build_nlp(pack)
        nlp.make_doc("warm up")
        return nlp

    # the rules extractor's vocabulary works out only the lexical attributes its rules read
    # (pipeline.build_nlp): a bare tokenizer doing the same shows how much of the first pass
    # that accounts for
    t_lean_cold = best_fresh(new_lean_bare, lambda nlp: bare_read(nlp, texts), args.rounds)
    t_rules = best_fresh(new_extractor, lambda made: rules_read(made, texts), args.rounds)
    # steady state, sentences only: every sentence cached, no document cache (each text is
    # tokenised, its sentences looked up and the graph assembled)
    sentences_only = _extractor(pack, document_cache_size=0)
    settle()
    consume(sentences_only.extract_many(texts))
    t_warm = best_time(lambda: consume(sentences_only.extract_many(texts)), args.rounds)
    # steady state, documents: every text seen before, a document cache big enough to hold
    # the corpus (the default keeps 1,024 documents)
    documents = _extractor(pack, document_cache_size=len(texts))
    settle()
    consume(documents.extract_many(texts))
    t_docs = best_time(lambda: consume(documents.extract_many(texts)), args.rounds)
    # a new report from a source seen before: pieces cached from the even-indexed reports,
    # throughput on the odd-indexed ones (the sentences they share hit, the rest is new)
    seen, new = texts[::2], texts[1::2]

    def loaded(made):  # noqa: ANN001, ANN202
        settle()  # as the CLI, once built: what is read next is not frozen
        return made

    t_bare_new = best_fresh(lambda: bare_read(loaded(new_bare()), seen),  # `seen` untimed
                            lambda nlp: bare_read(nlp, new), args.rounds, settled=False)
    t_new = best_fresh(lambda: rules_read(loaded(_extractor(pack, document_cache_size=0)), seen),
                       lambda made: rules_read(made, new), args.rounds, settled=False)
    # the floor of any first pass that tokenises and phrase-matches each distinct piece once
    # (no rules, no graph): what spaCy alone costs before our Python starts
    distinct = list(dict.fromkeys(p for t in texts for p in pieces(t)))
    t_floor = best_fresh(  # a new extractor's tokenizer and PhraseMatcher, as a first pass has
        new_extractor,
        lambda made: consume(made.matcher.phrase(made.nlp.make_doc(p)) for p in distinct),
        args.rounds)
    t_core = best_time(lambda: consume(rules_without_graph(extractor, texts)), args.rounds)
    done = list(extractor.extract_many(texts))
    t_graph = best_time(lambda: consume(graphs_only(done)), args.rounds)
    n = len(texts)
    from kgjudge.compiled import describe

    print(f"documents: {n} ({len(set(texts))} distinct, {words / n:.0f} words on average), "
          f"best of {args.rounds} rounds, one process, CPU time; kgjudge {describe()}")
    print(f"bare spaCy tokenizer, first pass:      {n / t_bare_cold:9.0f} docs/s (a new "
          "pipeline each round)")
    print(f"rules extractor, first pass:           {n / t_rules:9.0f} docs/s (a new extractor "
          "each round; repeats within the corpus hit its caches)")
    print(f"ratio rules / bare, first passes:      {t_bare_cold / t_rules:9.2f}  (target >= 0.35)")
    print(f"  (beside the warm tokenizer instead:  {t_bare / t_rules:9.2f})")
    print(f"  (beside a bare tokenizer whose vocabulary also works out only the lexical "
          f"attributes the rules read, {n / t_lean_cold:.0f} docs/s: {t_lean_cold / t_rules:.2f})")
    print(f"bare spaCy tokenizer, texts seen:      {n / t_bare:9.0f} docs/s (the baseline of the "
          "steady states)")
    print(f"steady state, every sentence cached, no document cache: {n / t_warm:7.0f} docs/s "
          f"(ratio {t_bare / t_warm:.2f})")
    print(f"steady state, every document cached:                    {n / t_docs:7.0f} docs/s "
          f"(ratio {t_bare / t_docs:.2f})")
    print(f"new reports after {len(seen)} others from the same source (pieces cached from "
          f"those): {len(new) / t_new:7.0f} docs/s (ratio {t_bare_new / t_new:.2f})")
    print(f"floor of a first pass: tokenise + PhraseMatcher each of the {len(distinct)} distinct "
          f"pieces once, nothing else: {n / t_floor:7.0f} docs/s (ratio to the bare first pass "
          f"{t_bare_cold / t_floor:.2f})")
    print("where the time goes (same texts, same run):")
    print(f"  tokenizer + matching + ConText + relations, no graph: {n / t_core:7.0f} docs/s "
          f"(ratio {t_bare / t_core:.2f})")
    print(f"  building the ReportGraphs alone (same nodes and edges): {n / t_graph:7.0f} docs/s "
          f"(ratio {t_bare / t_graph:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
