"""Reviewers' 误报/漏报 feedback: it lands in the admins' queue ranked by how many reviewers raised it,
accepting creates the allow phrase or term (audited), and the classifier's feedback file comes from it."""

from __future__ import annotations

import json

import pytest
from api_helpers import CLEAN_BODY
from sqlalchemy import select

from reviewer.audit.chain import AuditEntry
from reviewer.curation import feedback
from reviewer.errors import WorkflowError
from reviewer.storage import DraftVersion, FindingRow, LexiconEntry, User
from reviewer.workflow.checking import review_fields

BODY = "有问题请加微信联系我们，本市文化旅游节欢迎市民参加。"


def _user(db, name: str) -> User:
    return db.scalar(select(User).where(User.username == name))


def _finding(db, editor, text: str = "加微信") -> FindingRow:
    editor.new_draft(body=BODY)
    db.expire_all()
    return db.scalars(select(FindingRow).where(FindingRow.text == text).order_by(FindingRow.id.desc())).first()


def test_a_false_alarm_needs_a_reason(db, editor):
    finding = _finding(db, editor)
    with pytest.raises(WorkflowError) as refused:
        feedback.false_alarm(db, _user(db, "reviewer1"), finding.id, "  ")
    assert refused.value.code == "reason_required"


def test_false_alarms_are_ranked_by_how_many_reviewers_raised_them(db, editor):
    first = _finding(db, editor)
    for name in ("reviewer1", "reviewer2"):
        feedback.false_alarm(db, _user(db, name), first.id, "本地活动群，不是广告")
    db.commit()
    other = _finding(db, editor, "微信联系我")
    feedback.false_alarm(db, _user(db, "reviewer3"), other.id, "正常联系方式")
    db.commit()
    ranked = feedback.queue(db, _user(db, "admin1"))
    assert [(s.text, s.reviewers) for s in ranked] == [("加微信", 2), ("微信联系我", 1)]


def test_accepting_a_false_alarm_adds_an_allow_phrase_for_the_unit_and_closes_it(db, editor):
    finding = _finding(db, editor)
    feedback.false_alarm(db, _user(db, "reviewer1"), finding.id, "本地活动群")
    suggestion = feedback.queue(db, _user(db, "admin1"))[0]
    feedback.decide(db, _user(db, "admin1"), suggestion.ref, True)
    db.commit()
    entry = db.scalar(select(LexiconEntry))
    assert (entry.kind, entry.key, entry.unit_id is not None) == ("allow", "加微信", True)
    assert feedback.queue(db, _user(db, "admin1")) == []
    assert db.scalar(select(AuditEntry).where(AuditEntry.event == "feedback.decide")).details_dict["action"] == "accept"


def test_accepting_a_missed_span_adds_a_term_that_fires_for_the_unit(db, editor):
    draft_id = editor.new_draft(body="周末去东关小吃街逛逛。")
    version = db.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft_id))
    item = feedback.missed(db, _user(db, "reviewer1"), version.id, "body", "东关小吃街", "commercial", "引流商户")
    feedback.decide(db, _user(db, "admin1"), str(item.id), True)
    db.commit()
    units = (str(item.unit_id),)
    assert "东关小吃街" in [f.text for f in review_fields(db, {"body": "去东关小吃街"}, "post", None, units).reports["body"].findings]


def test_a_missed_span_must_be_text_of_the_version(db, editor):
    draft_id = editor.new_draft(body=CLEAN_BODY)
    version = db.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft_id))
    with pytest.raises(WorkflowError) as refused:
        feedback.missed(db, _user(db, "reviewer1"), version.id, "body", "不在稿件里的字", "commercial")
    assert refused.value.code == "invalid_selection"


def test_the_classifier_feedback_file_comes_from_the_same_rows(db, editor, cli, tmp_path):
    finding = _finding(db, editor)
    feedback.false_alarm(db, _user(db, "reviewer1"), finding.id, "本地活动群")
    db.commit()
    out = tmp_path / "feedback.jsonl"
    result = cli("lexicon", "feedback-export", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [{"text": BODY, "label": "commercial", "decision": "false_alarm", "kind": "post"}]
    from reviewer.engine.training import read_jsonl

    assert read_jsonl(out, feedback=True)[0]["label"] == "ok"
