"""``kgjudge calibrate``: fit the kg judge's thresholds on human labels (grouped CV)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "calibrate", help="fit the kg judge's per-rubric thresholds on human labels",
        description="Fit the cut points that turn the kg judge's graph quality into 1-5 so they "
                    "agree with human labels. Agreement is reported with grouped "
                    "cross-validation (whole documents held out); the thresholds refitted on "
                    "all items are written to the pack's calibration.toml.")
    parser.add_argument("--labels", required=True, metavar="FILE",
                        help="CSV or JSONL: case_id, criterion, score [, doc_id, source]")
    parser.add_argument("--domain", required=True, metavar="D", help="pack name or folder")
    items = parser.add_mutually_exclusive_group(required=True)
    items.add_argument("--db", metavar="FILE", help="a store whose run compared the cases")
    items.add_argument("--pairs", metavar="FILE",
                       help="CSV or JSONL with case_id, reference, candidate (extracted here)")
    parser.add_argument("--run", type=int, metavar="ID", help="run id in --db (default: latest)")
    parser.add_argument("--map", action="append", default=[], metavar="RUBRIC=CRITERION",
                        help="rubric id -> label criterion (repeatable; default: same names)")
    parser.add_argument("--rubric", action="append", default=[], metavar="ID",
                        help="rubrics to fit (default: every rubric with matching labels)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true",
                        help="report the fit without writing calibration.toml")
    parser.set_defaults(func=run)


def _fits(args: argparse.Namespace, pack, comparisons: dict) -> list:  # noqa: ANN001
    """One cross-validated fit per rubric that has matching labels."""
    from kgjudge.calibrate import calibrate_rubric
    from kgjudge.evaluate.data import load_labels, parse_mapping
    from kgjudge.judge.kg import quality

    labels = load_labels(args.labels)
    mapping = parse_mapping(args.map)
    fits = []
    for rid in args.rubric or list(pack.rubrics):
        rubric = pack.rubric(rid)
        criterion = mapping.get(rid, rid)
        looked_up = [(lab, comparisons.get(f"{lab.source}/{lab.case_id}")
                      or comparisons.get(lab.case_id))
                     for lab in labels if lab.criterion == criterion]
        rows = [(lab, c) for lab, c in looked_up if c is not None]
        if not rows:
            continue
        if not all(lab.group for lab, _ in rows):
            print(f"note: {rid}: labels without doc_id; each case is its own CV group",
                  file=sys.stderr)
        fits.append(calibrate_rubric(
            rid, criterion, [quality(c, rubric.kg, pack.lexicon) for _, c in rows],
            [lab.score for lab, _ in rows], [lab.group or lab.case_id for lab, _ in rows],
            current=rubric.kg.thresholds, folds=args.folds, seed=args.seed))
    return fits


def run(args: argparse.Namespace) -> int:
    from kgjudge.calibrate import pair_comparisons, stored_comparisons, write_calibration
    from kgjudge.domain import load_pack
    from kgjudge.errors import InputError

    pack = load_pack(args.domain)
    comparisons = (stored_comparisons(args.db, args.run) if args.db
                   else pair_comparisons(args.pairs, pack))
    fits = _fits(args, pack, comparisons)
    if not fits:
        raise InputError(f"{args.labels}: no label matches a case and rubric of '{pack.name}'; "
                         f"rubrics: {', '.join(args.rubric or pack.rubrics)} "
                         "(use --map RUBRIC=CRITERION)")
    print("rubric\tcriterion\tn\tfolds\tthresholds\tcv_exact\tcv_off_by_one\tcv_mae\t"
          "before_exact\tbefore_mae")
    for f in fits:
        print(f"{f.rubric}\t{f.criterion}\t{f.n_items}\t{f.folds}\t"
              f"{','.join(f'{t:.3f}' for t in f.thresholds)}\t{f.cv_exact:.3f}\t"
              f"{f.cv_off_by_one:.3f}\t{f.cv_mae:.3f}\t{f.before_exact:.3f}\t{f.before_mae:.3f}")
    if not args.dry_run:
        target = pack.calibration_path or pack.path / "calibration.toml"
        write_calibration(target, fits, labels=str(args.labels))
        print(f"wrote {target}", file=sys.stderr)
    return 0
