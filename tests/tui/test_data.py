"""The run data layer and the highlighting offsets, without a screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.style import Style

from kgjudge.tui.data import RunData, find_recent_store
from kgjudge.tui.highlight import Mention, highlight
from kgjudge.tui.widgets.verdict_panel import verdict_markdown


def test_rows_carry_scores_metrics_and_status(run_data: RunData) -> None:
    rows = {row.case_id: row for row in run_data.rows()}
    assert len(rows) == 12
    assert run_data.rubrics == ("accuracy", "completeness")
    assert rows["case00000"].scores == {"accuracy": 5, "completeness": 5}
    assert rows["case00002"].contradictions == 2
    assert rows["case00002"].status in {"ok", "unscored"}
    assert not any(r.reviewed or r.overridden for r in rows.values())


@pytest.mark.parametrize("filter_id", ["low", "unscored", "contradictions", "unreviewed"])
def test_filters_keep_exactly_the_matching_rows(run_data: RunData, filter_id: str) -> None:
    rows = run_data.rows()
    kept = [r for r in rows if r.matches(filter_id)]
    expected = {
        "low": [r for r in rows if any(s is not None and s <= 2 for s in r.scores.values())],
        "unscored": [r for r in rows if None in r.scores.values()],
        "contradictions": [r for r in rows if r.contradictions > 0],
        "unreviewed": rows,
    }[filter_id]
    assert kept == expected
    assert 0 < len(kept) <= len(rows)


def test_override_is_stored_and_changes_the_row(run_data: RunData) -> None:
    key = ("candidates", "case00001")
    run_data.add_override(key, "accuracy", new_score=4, reason="the pneumothorax is old")
    row = run_data.row(key)
    assert row.scores["accuracy"] == 4 and row.overridden
    stored = run_data.store.overrides(run_data.run.id, case_id="case00001")
    assert [(o.rubric, o.old_score, o.new_score, o.who) for o in stored] == \
        [("accuracy", 2, 4, "ana")]
    assert run_data.take_changed() == {key}
    assert run_data.take_changed() == set()
    detail = run_data.detail(key)
    assert "the pneumothorax is old" in verdict_markdown(detail)


def test_override_needs_a_reason(run_data: RunData) -> None:
    from kgjudge.errors import StoreError

    with pytest.raises(StoreError, match="reason"):
        run_data.add_override(("candidates", "case00001"), "accuracy", new_score=4, reason=" ")


def test_mark_reviewed_persists(run_data: RunData, sample_db: Path) -> None:
    run_data.mark_reviewed(("candidates", "case00003"))
    reopened = RunData.open(sample_db)
    assert reopened is not None
    assert reopened.row(("candidates", "case00003")).reviewed
    assert not reopened.row(("candidates", "case00004")).reviewed


def test_detail_parses_graphs_and_diff(run_data: RunData) -> None:
    detail = run_data.detail(("candidates", "case00002"))
    assert detail.pair.candidate.startswith("No pleural effusion")
    assert {i.kind for i in detail.diff.items} >= {"contradicted", "extra"}
    assert any(n.assertion == "absent" for n in detail.candidate_nodes)


def test_recent_store_prefers_env_then_newest(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv("KGJUDGE_DB", raising=False)
    assert find_recent_store(tmp_path) is None
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    old.write_bytes(b"")
    new.write_bytes(b"")
    os.utime(old, (1, 1))
    assert find_recent_store(tmp_path) == new
    monkeypatch.setenv("KGJUDGE_DB", str(old))
    assert find_recent_store(tmp_path) == old


@st.composite
def texts_with_mentions(draw: st.DrawFn) -> tuple[str, list[Mention]]:
    text = draw(st.text(alphabet="ab \n", min_size=1, max_size=60))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(1, 8)),
                          max_size=6))
    mentions = sorted((Mention(s, min(len(text), s + n), "t", m)
                       for (s, n), m in zip(spans, ["[+]", "[-]", "[?]"] * 2, strict=False)),
                      key=lambda m: (m.start, m.end))
    return text, mentions


@given(texts_with_mentions())
def test_markers_never_move_the_original_characters(case: tuple[str, list[Mention]]) -> None:
    text, mentions = case
    shown = highlight(text, mentions, type_styles={"t": Style(bold=True)},
                      marker_style=Style(dim=True))
    plain = shown.text.plain
    assert len(plain) == len(text) + sum(len(m.marker) for m in mentions)
    for offset, char in enumerate(text):
        assert plain[shown.to_display(offset)] == char
    for m in mentions:  # the marker sits right after its mention
        end = shown.span_to_display((m.start, m.end))[1]
        assert m.marker in plain[end:end + 3 * len(mentions) + 3]


def test_one_marker_per_mention_even_with_two_nodes() -> None:
    from kgjudge.graph import Node
    from kgjudge.tui.highlight import mentions_of

    nodes = [Node("lungs", "anatomy", spans=((4, 9),)),
             Node("lung", "observation", spans=((4, 9),)),
             Node("lungs", "anatomy", assertion="absent", spans=((4, 9),))]
    assert [(m.start, m.end, m.marker) for m in mentions_of(nodes, 20)] == \
        [(4, 9, "[+]"), (4, 9, "[-]")]


def test_rationale_lines_stay_separate_blocks(run_data: RunData) -> None:
    from dataclasses import replace

    from kgjudge.judge.base import Verdict

    detail = run_data.detail(("candidates", "case00001"))
    rationale = ("Accuracy: 2/5.\n  - Contradicted: 'effusion' is absent in the reference.\n"
                 "  Metrics: fact F1 0.59.\n  Score 2: Several facts disagree.")
    verdict = Verdict(case_id="case00001", rubric="accuracy", status="ok", score=2,
                      rationale=rationale)
    view = replace(detail.rubrics[0], verdict=verdict, override=None)
    text = verdict_markdown(replace(detail, rubrics=[view], overrides=[]))
    assert ("Accuracy: 2/5.\n\n- Contradicted: 'effusion' is absent in the reference.\n\n"
            "Metrics: fact F1 0.59.\n\nScore 2: Several facts disagree.") in text
