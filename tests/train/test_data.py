"""Training data: balance, split by reference, rationales naming their edits, the judge's own
prompt byte for byte, and the override / labelled sources."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from kgjudge.errors import InputError
from kgjudge.judge.base import Pair
from kgjudge.train.data import (
    deduplicate,
    from_labelled,
    from_stores,
    read_jsonl,
    split_references,
    to_record,
    write_jsonl,
)


def test_scores_are_balanced_per_rubric(records) -> None:  # noqa: ANN001
    synthetic = [r for r in records if r["source"] == "synthetic"]
    for rubric in {r["rubric"] for r in synthetic}:
        counts = Counter(r["score"] for r in synthetic if r["rubric"] == rubric)
        assert len(set(counts.values())) == 1, (rubric, counts)
    completeness = Counter(r["score"] for r in synthetic if r["rubric"] == "completeness")
    assert sorted(completeness) == [1, 2, 3, 4, 5]


def test_no_reference_in_both_splits(records) -> None:  # noqa: ANN001
    train = {r["reference_id"] for r in records if r["split"] == "train"}
    held = {r["reference_id"] for r in records if r["split"] == "eval"}
    assert train and held and not train & held
    texts = {r["pair"]["reference"] for r in records if r["split"] == "eval"}
    assert not texts & {r["pair"]["reference"] for r in records if r["split"] == "train"}


def test_split_is_seeded_and_whole_documents() -> None:
    ids = [f"doc{i}" for i in range(10)]
    assert split_references(ids, 0.3, 0) == split_references(list(reversed(ids)), 0.3, 0)
    assert len(split_references(ids, 0.3, 0)) == 3
    assert split_references(["only"], 0.5, 0) == set()


def test_every_synthetic_rationale_names_its_edits(records) -> None:  # noqa: ANN001
    synthetic = [r for r in records if r["source"] == "synthetic"]
    assert synthetic
    for record in synthetic:
        content = record["completion"][0]["content"]
        assert content.startswith("Feedback: ") and content.endswith(f"[RESULT] {record['score']}")
        for edit in record["edits"]:
            if edit["kind"] != "reorder":
                assert edit["label"] in content, (edit, content)


def test_records_are_unique(records) -> None:  # noqa: ANN001
    keys = [(r["rubric"], r["pair"]["reference"], r["pair"]["candidate"]) for r in records]
    assert len(keys) == len(set(keys))


def test_prompt_is_byte_identical_to_the_hf_judge(pack, records, tiny_model_dir) -> None:  # noqa: ANN001
    from kgjudge.judge import get_judge
    from kgjudge.pipeline import Pipeline
    from kgjudge.train.trainer import chat_rows

    judge = get_judge("hf", pack, model=str(tiny_model_dir), max_new_tokens=2)
    sample = records[:: max(1, len(records) // 4)][:4]
    rows, dropped, _ = chat_rows(sample, judge.tokenizer, max_length=100_000)
    assert dropped == 0
    pipeline = Pipeline(pack, judge=judge)
    for record, row in zip(sample, rows, strict=True):
        p = record["pair"]
        pair = Pair(id="inference", reference=p["reference"], candidate=p["candidate"],
                    instruction=p["instruction"])
        [verdict] = pipeline.judge_pair(pair, [record["rubric"]])
        text = judge.tokenizer.apply_chat_template(row["prompt"], tokenize=False,
                                                   add_generation_prompt=True)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == verdict.prompt_hash


def test_jsonl_round_trip(records, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "data.jsonl"
    digest = write_jsonl(records, path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert read_jsonl(path) == json.loads(json.dumps(records))


def test_overrides_become_examples_seeded_by_the_reason(pack, pipeline, tmp_path: Path) -> None:  # noqa: ANN001
    from kgjudge.store import Store

    pair = Pair(id="c1", reference="Small left pleural effusion. No pneumothorax.",
                candidate="No pneumothorax.")
    db = tmp_path / "run.sqlite"
    with Store(db) as store:
        run = store.create_run(config={"x": 1}, domain=pack.name)
        store.add_case(run, pair, comparison=pipeline.compare_pair(pair))
        store.add_override(run, "c1", "completeness", new_score=2,
                           reason="The effusion is missing", who="ana")
        store.add_override(run, "c1", "completeness", new_score=3,
                           reason="Missing a small effusion only", who="ana")
        other = store.create_run(config={"x": 2}, domain="legal")
        store.add_case(other, pair)
        store.add_override(other, "c1", "completeness", new_score=1, reason="x", who="b")
    [example] = from_stores([db], pack, pipeline)
    assert example.score == 3 and example.source == "override"
    assert example.rationale.startswith("Missing a small effusion only.")
    assert "effusion" in example.rationale.split(".", 1)[1]


def test_labelled_csv_and_dedup_priority(pack, pipeline, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "ref.txt").write_text("No pneumothorax. Tube in place.", encoding="utf-8")
    path = tmp_path / "labels.csv"
    path.write_text("id,reference_path,candidate,rubric,score,rationale\n"
                    "a,ref.txt,No pneumothorax.,completeness,3.5,Tube missing\n"
                    "b,ref.txt,No pneumothorax. Tube in place.,hallucination,5,\n",
                    encoding="utf-8")
    examples = from_labelled([path], pack, pipeline)
    assert [e.score for e in examples] == [4, 5]
    assert examples[0].rationale == "Tube missing"
    assert "match" in examples[1].rationale  # no rationale given: the graph diff's summary
    synthetic = examples[0].__class__("synthetic", "completeness", 1, "x", examples[0].pair,
                                      examples[0].comparison)
    assert deduplicate([synthetic, examples[0]]) == [examples[0]]
    record = to_record(examples[0], pack, "train")
    assert record["completion"][0]["content"] == "Feedback: Tube missing [RESULT] 4"


def test_bad_labelled_rows_name_the_line(pack, pipeline, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"reference": "No effusion.", "candidate": "x",
                                "rubric": "completenes", "score": 3}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="labels.jsonl:2: rubric 'completenes'"):
        from_labelled([path], pack, pipeline)


def test_prompt_identity_holds_for_templates_without_a_system_role(pack, records,  # noqa: ANN001
                                                                  tiny_model_dir) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from kgjudge.judge.hf import HFJudge
    from kgjudge.pipeline import Pipeline
    from kgjudge.train.trainer import chat_rows

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.chat_template = (  # refuses a system turn, like Gemma's
        "{% for m in messages %}{% if m['role'] == 'system' %}"
        "{{ raise_exception('no system role') }}{% endif %}"
        "<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
        "{% if add_generation_prompt %}<|assistant|> {% endif %}")
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    judge = HFJudge(pack, model_obj=model, tokenizer=tokenizer, max_new_tokens=2)
    rows, _, system = chat_rows(records[:1], tokenizer, max_length=100_000)
    assert system is False and [m["role"] for m in rows[0]["prompt"]] == ["user"]
    p = records[0]["pair"]
    pair = Pair(id="x", reference=p["reference"], candidate=p["candidate"],
                instruction=p["instruction"])
    [verdict] = Pipeline(pack, judge=judge).judge_pair(pair, [records[0]["rubric"]])
    text = tokenizer.apply_chat_template(rows[0]["prompt"], tokenize=False,
                                         add_generation_prompt=True)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == verdict.prompt_hash


def test_teacher_rationale_kept_only_when_it_agrees(pack, pipeline) -> None:  # noqa: ANN001
    import httpx

    from kgjudge.train.data import Example
    from kgjudge.train.recipe import TeacherSettings
    from kgjudge.train.teacher import with_teacher_rationales

    pair = Pair(id="t", reference="Small left pleural effusion. No pneumothorax.",
                candidate="No pneumothorax.")
    comparison = pipeline.compare_pair(pair)
    examples = [Example("synthetic", rubric, score, "template", pair, comparison)
                for rubric, score in (("completeness", 2), ("hallucination", 5))]
    asked = []

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append(body["messages"][-1]["content"])
        score = 2  # agrees with the first example only
        return httpx.Response(200, json={"model": "teacher", "choices": [{
            "message": {"content": f"Feedback: The effusion is missing. [RESULT] {score}"},
            "finish_reason": "stop"}]})

    out = with_teacher_rationales(examples, pack, TeacherSettings(base_url="http://t/v1",
                                                                  model="teacher"),
                                  transport=httpx.MockTransport(reply))
    assert [e.rationale for e in out] == ["The effusion is missing.", "template"]
    assert all("the correct score is" in text for text in asked)
