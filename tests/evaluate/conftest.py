"""Fixtures for meta-evaluation tests: synthetic labels and the real SummEval ratings."""

import json
from pathlib import Path

import pytest

SUMMEVAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "summeval"
CRITERIA = ("coherence", "consistency", "fluency", "relevance")


def summeval_rows() -> list[dict]:
    path = SUMMEVAL / "summaries.jsonl"
    if not path.is_file():
        pytest.fail(f"{path} is missing: the SummEval ratings ship in ../shared/data/summeval")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def summeval_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SummEval expert ratings as a labels JSONL (one row per annotator and criterion)."""
    out = tmp_path_factory.mktemp("summeval") / "labels.jsonl"
    with out.open("w") as f:
        for row in summeval_rows():
            for rating in row["expert"]:
                for criterion in CRITERIA:
                    f.write(json.dumps({
                        "case_id": f"{row['doc_id']}/{row['system']}", "criterion": criterion,
                        "score": rating[criterion], "doc_id": row["doc_id"],
                        "source": row["system"]}) + "\n")
    return out
