"""Scores are bit-identical whatever the interpreter's hash seed (set order must not leak into
float sums): the kg judge promises deterministic verdicts."""

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "domains" / "radiology" / "examples"

SCRIPT = r"""
import json, sys
from pathlib import Path
from kgjudge.domain import load_pack
from kgjudge.judge import get_judge
from kgjudge.judge.base import Pair
from kgjudge.pipeline import Pipeline

pack = load_pack("radiology")
pipeline = Pipeline(pack, judge=get_judge("kg", pack))
examples = Path(sys.argv[1])
out = {}
for ref in sorted((examples / "references").glob("*.txt")):
    cand = examples / "candidates" / ref.name
    pair = Pair(id=ref.stem, reference=ref.read_text(), candidate=cand.read_text())
    scores = pipeline.compare_pair(pair).scores.as_dict()
    verdicts = {v.rubric: (v.score, v.expected_score) for v in pipeline.judge_pair(pair)}
    out[ref.stem] = {"scores": scores, "verdicts": verdicts}
print(json.dumps(out, sort_keys=True))
"""


def run_with_seed(seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(EXAMPLES)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_scores_do_not_depend_on_the_hash_seed() -> None:
    first, second, third = run_with_seed("1"), run_with_seed("2"), run_with_seed("12345")
    assert len(first) >= 20
    assert first == second == third
