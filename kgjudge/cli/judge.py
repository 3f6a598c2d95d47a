"""``kgjudge judge REF CAND``: score one candidate document against a reference, per rubric."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kgjudge.cli.common import read_document_arg


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "judge", help="score one candidate against a reference on rubrics",
        description="Extract both documents' graphs, compare them and judge the candidate on "
                    "each rubric. Prints each rubric's score, expected score and rationale; "
                    "exit 1 when a verdict is unscored or failed.")
    parser.add_argument("reference", help="reference document (a text file, or - for stdin)")
    parser.add_argument("candidate", help="candidate document (a text file)")
    parser.add_argument("--rubric", action="append", metavar="ID",
                        help="rubric id; repeat for several (default: the pack's defaults)")
    parser.add_argument("--domain", default="radiology", help="domain pack name or folder")
    parser.add_argument("--backend", default="kg", choices=["kg", "openai", "hf"],
                        help="judge backend (default: kg, the embedded graph judge)")
    parser.add_argument("--model", help="openai: served model name; hf: local model folder")
    parser.add_argument("--adapter", help="openai: LoRA module name as served; hf: adapter folder")
    parser.add_argument("--base-url", help="openai: server URL, e.g. http://127.0.0.1:8000/v1 "
                                           "(default $KGJUDGE_OPENAI_BASE_URL; the key is read "
                                           "from $KGJUDGE_OPENAI_API_KEY or $OPENAI_API_KEY)")
    parser.add_argument("--max-tokens", type=int, help="openai/hf: longest reply in tokens")
    parser.add_argument("--truncate", action="store_true",
                        help="shorten documents to fit the model's context (recorded on the "
                             "verdict) instead of failing")
    parser.add_argument("--instruction", default="", help="what the candidate was asked to do")
    parser.add_argument("--json", action="store_true", help="one JSON verdict per line on stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kgjudge.domain import load_pack
    from kgjudge.judge import get_judge
    from kgjudge.judge.base import Pair
    from kgjudge.pipeline import Pipeline

    pack = load_pack(args.domain)
    pair = Pair(id=Path(args.candidate).stem, reference=read_document_arg(args.reference),
                candidate=read_document_arg(args.candidate), instruction=args.instruction,
                reference_path=args.reference, candidate_path=args.candidate)
    judge = get_judge(args.backend, pack, **_backend_settings(args))
    verdicts = Pipeline(pack, judge=judge).judge_pair(pair, args.rubric)
    if args.json:
        for verdict in verdicts:
            print(json.dumps(verdict.as_dict(), ensure_ascii=False))
    else:
        _print_verdicts(verdicts)
    return 0 if all(v.status == "ok" for v in verdicts) else 1


def _backend_settings(args: argparse.Namespace) -> dict[str, object]:
    if args.backend == "kg":
        return {}
    settings: dict[str, object] = {"truncate": args.truncate}
    if args.backend == "openai":
        settings.update(model=args.model, adapter=args.adapter, base_url=args.base_url)
        if args.max_tokens:
            settings["max_tokens"] = args.max_tokens
    else:
        settings.update(model=args.model or "", adapter=args.adapter)
        if args.max_tokens:
            settings["max_new_tokens"] = args.max_tokens
    return {k: v for k, v in settings.items() if v is not None}



def _print_verdicts(verdicts: list) -> None:  # noqa: ANN001 - list[Verdict]
    """One block per rubric: 'rubric  score/5  (expected x.xx)  status', then the rationale."""
    for v in verdicts:
        score = "-" if v.score is None else f"{v.score}/5"
        expected = "" if v.expected_score is None else f"  (expected {v.expected_score:.2f})"
        print(f"{v.rubric}  {score}{expected}  {v.status}")
        body = v.rationale if v.status == "ok" else v.error
        if v.status == "unscored":
            body += f"\nraw reply: {v.raw_output[:2000]!r}"
        for line in body.splitlines():
            print(f"  {line}")
        print()
