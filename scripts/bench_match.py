"""Microseconds per document (or sentence) of each stage of rules extraction, same texts.

    python scripts/bench_match.py [--domain radiology] [--unit doc|sentence] [--rounds 3]

Every text is tokenised once beforehand; then, in one run, on one core (CPU time, best of
``--rounds``): the bare spaCy tokenizer (the baseline), the bare PhraseMatcher call
(``matcher.phrase(doc)``), ``PackMatcher.match``, ``assert_mentions`` and
``RelationRules.find``, each as us per unit and as a ratio to the tokenizer.

``--unit sentence`` times the path of an uncached sentence: each distinct sentence of the IU
reports (cut as the rules extractor cuts them) tokenised and matched on its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_extract import DEFAULT_REPORTS, best_time, pieces, report_texts  # noqa: E402


def sentence_texts(texts: list[str]) -> list[str]:
    """Each distinct piece (sentence) of ``texts``, in first-seen order, cut as the extractor
    cuts."""
    return list(dict.fromkeys(p for text in texts for p in pieces(text)))


def stages(extractor, texts: list[str], rounds: int) -> dict[str, float]:  # noqa: ANN001
    """Best CPU seconds of each stage over all ``texts``."""
    from kgjudge.extract.context import assert_mentions

    make_doc, matcher = extractor.nlp.make_doc, extractor.matcher
    builder, rules = extractor.builder, extractor.builder.relations
    asserted, max_tokens = builder.asserted_types, builder.pack.context.max_tokens
    docs = [make_doc(t) for t in texts]
    found = [matcher.match(d) for d in docs]

    def each(call: Callable[[int], object]) -> Callable[[], None]:
        def run() -> None:
            for i in range(len(docs)):
                call(i)  # each result dropped at once, as a caller consuming them would

        return run

    runs: dict[str, Callable[[], None]] = {
        "tokenizer (make_doc)": each(lambda i: make_doc(texts[i])),
        "PhraseMatcher call": each(lambda i: matcher.phrase(docs[i])),
        "PackMatcher.match": each(lambda i: matcher.match(docs[i])),
        "assert_mentions": each(lambda i: assert_mentions(
            found[i].mentions, found[i], max_tokens=max_tokens, asserted_types=asserted)),
        "RelationRules.find": each(lambda i: list(rules.find(found[i].mentions, found[i]))),
    }
    return {name: best_time(run, rounds) for name, run in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="radiology")
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--unit", choices=("doc", "sentence"), default="doc")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use the first N reports")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor

    extractor = get_extractor(load_pack(args.domain), "rules")
    texts = report_texts(args.reports)[: args.limit]
    if args.unit == "sentence":
        texts = sentence_texts(texts)
    times = stages(extractor, texts, args.rounds)
    n, base = len(texts), times["tokenizer (make_doc)"]
    print(f"{n} {args.unit}s, best of {args.rounds} rounds, one process, CPU time")
    for name, seconds in times.items():
        print(f"  {name:22s} {seconds / n * 1e6:8.2f} us/{args.unit}  "
              f"({seconds / base:5.2f} x tokenizer)")
    python = sum(times[k] for k in ("PackMatcher.match", "assert_mentions",
                                    "RelationRules.find"))
    print(f"  {'match+assert+relations':22s} {python / n * 1e6:8.2f} us/{args.unit}  "
          f"({python / base:5.2f} x tokenizer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
