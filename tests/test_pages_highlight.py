"""Highlight segments and version diffs, the two text transformations the pages render."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reviewer.web.diff import changed, diff_pieces
from reviewer.web.highlight import by_gate, segments, summary

TEXT = "请扫码加微信领取优惠券，联系电话13812345678。"


def finding(start: int, end: int, severity: str = "review", gate: str = "policy", fid: int | None = None) -> dict:
    return {"id": fid, "start": start, "end": end, "text": TEXT[start:end], "category": "commercial",
            "gate": gate, "severity": severity, "rule": "r", "suggestion": "删除", "source": "lexicon",
            "note": None}


def test_segments_rebuild_the_original_text_exactly():
    pieces = segments(TEXT, [finding(3, 6), finding(16, 27, "block", "secrecy")])
    assert "".join(p["text"] for p in pieces) == TEXT


def test_a_highlight_covers_exactly_the_findings_span():
    pieces = segments(TEXT, [finding(16, 27, "block", "secrecy")])
    marked = [p for p in pieces if p["severity"]]
    assert [p["text"] for p in marked] == ["13812345678"]
    assert marked[0]["severity"] == "block"
    assert "保密关" in marked[0]["tip"] and "建议：删除" in marked[0]["tip"]


def test_overlapping_findings_show_the_worse_severity_where_they_overlap():
    pieces = segments(TEXT, [finding(1, 6, "review"), finding(3, 8, "block")])
    by_text = {p["text"]: p["severity"] for p in pieces}
    assert by_text == {"请": None, "扫码": "review", "加微信": "block", "领取": "block",
                       "优惠券，联系电话13812345678。": None}


def test_a_second_finding_starting_inside_a_highlighted_run_is_marked_where_it_begins():
    pieces = segments(TEXT, [finding(1, 6, "review"), finding(3, 8, "block")])
    marks = {p["text"]: (p["count"], p["begins"]) for p in pieces if p["severity"]}
    assert marks == {"扫码": (1, False), "加微信": (2, True), "领取": (1, False)}


def test_the_first_piece_of_a_stored_finding_gets_its_anchor():
    pieces = segments(TEXT, [finding(3, 6, fid=42)])
    assert [p["anchor"] for p in pieces if p["anchor"]] == ["f-42"]


def test_findings_outside_the_text_are_ignored():
    pieces = segments("短文", [finding(5, 9)])
    assert pieces == [{"text": "短文", "severity": None, "tip": "", "anchor": None, "count": 0, "begins": False}]


def test_findings_are_grouped_under_all_five_gates_in_order():
    groups = by_gate([finding(16, 27, "block", "secrecy")])
    assert list(groups) == ["political", "legal", "policy", "secrecy", "text"]
    assert [f["gate_name"] for f in groups["secrecy"]] == ["保密关"]


def test_summary_counts_by_severity_worst_first():
    assert summary([finding(0, 1, "review"), finding(1, 2, "block"), finding(2, 3, "review")]) == \
        "禁止发布 1 处，需复核 2 处"
    assert summary([]) == "未发现问题"


def test_a_diff_marks_changed_characters_within_a_line():
    assert diff_pieces("活动时间为周六上午。", "活动时间为周日上午。") == [
        ("equal", "活动时间为周"), ("delete", "六"), ("insert", "日"), ("equal", "上午。")]


def test_a_diff_of_equal_texts_has_no_change():
    assert not changed(diff_pieces("同一段文字。\n第二行", "同一段文字。\n第二行"))


@given(st.text(max_size=80), st.text(max_size=80))
def test_a_diff_rebuilds_both_versions(old, new):
    pieces = diff_pieces(old, new)
    assert "".join(t for op, t in pieces if op != "insert") == old
    assert "".join(t for op, t in pieces if op != "delete") == new


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30),
                          st.sampled_from(["info", "review", "block"])), max_size=6))
def test_segments_always_rebuild_the_text(spans):
    findings = [finding(min(a, b), max(a, b), sev) for a, b, sev in spans]
    assert "".join(p["text"] for p in segments(TEXT, findings)) == TEXT
