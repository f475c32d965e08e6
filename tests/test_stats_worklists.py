"""The statistics page counts a hand-built history right (issue 16, expectation 7)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from test_pages import BLOCK_TEXT, CLEAN_TEXT, account_id, make_draft, page, sign_level, user
from webclient import sign_in

from reviewer import workflow
from reviewer.web.charts import nice_ceiling
from reviewer.workflow.listing import ListFilter
from reviewer.workflow.stats import percentile, review_statistics


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


class Clock:
    """The instant every write of the workflow and the audit log is stamped with."""

    def __init__(self) -> None:
        self.now = datetime(2026, 10, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, *parts: int) -> None:
        self.now = datetime(*parts, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("reviewer.workflow.commands.utcnow", fake)
    monkeypatch.setattr("reviewer.audit.chain.utcnow", fake)
    return fake


@pytest.fixture
def history(session, clock) -> dict[str, int]:
    """October 2026 on 示例文旅微博 (one level), times in UTC (Beijing is eight hours ahead).

    A: submitted 10-05 01:00, approved 03:00 (2 h), published 10-06.
    B: submitted 10-07 01:00, returned 05:00 (4 h); version 2 submitted 10-13 01:00, approved 10-14 01:00 (24 h).
    C: submitted 10-14 00:00 with two 禁止发布 findings under 保密关, still in review.
    """
    clock.at(2026, 10, 5, 1)
    a = make_draft(session, body=CLEAN_TEXT, title="甲")
    clock.at(2026, 10, 5, 3)
    sign_level(session, a, "reviewer2", 1)
    clock.at(2026, 10, 6, 1)
    workflow.publish(session, user(session, "publisher1"), a, 1, None)
    session.commit()
    clock.at(2026, 10, 7, 1)
    b = make_draft(session, body=CLEAN_TEXT, title="乙")
    clock.at(2026, 10, 7, 5)
    workflow.sign_off(session, user(session, "reviewer2"), b, workflow.SignOffRequest(1, 1, "text", "reject", "改"))
    session.commit()
    clock.at(2026, 10, 12, 1)
    workflow.edit_draft(session, user(session, "editor1"), b, "乙二", CLEAN_TEXT, 1)
    clock.at(2026, 10, 13, 1)
    workflow.submit(session, user(session, "editor1"), b)
    session.commit()
    clock.at(2026, 10, 14, 1)
    sign_level(session, b, "reviewer2", 1)
    clock.at(2026, 10, 14, 0)
    c = make_draft(session, body=BLOCK_TEXT, title="丙")
    return {"a": a, "b": b, "c": c}


def october(session, **extra) -> object:
    flt = ListFilter(since=date(2026, 10, 1), until=date(2026, 10, 31), **extra)
    return review_statistics(session, user(session, "auditor1"), flt)


def test_submissions_approvals_returns_and_publications_are_counted(session, history):
    data = october(session)
    assert (data.submitted, data.approved, data.returned, data.published) == (4, 2, 1, 1)


def test_time_in_review_has_its_median_and_90th_percentile(session, history):
    data = october(session)
    assert data.cycles == 3
    assert data.median_hours == pytest.approx(4)
    assert data.p90_hours == pytest.approx(20)  # 4 + 0.8 × (24 − 4), between the two nearest ranks


def test_a_month_is_counted_per_week_starting_on_mondays(session, history):
    data = october(session)
    assert data.bucket == "week"
    assert data.buckets == ["9月28日起", "10月5日起", "10月12日起", "10月19日起", "10月26日起"]
    assert data.activity["submitted"] == [0, 2, 2, 0, 0]
    assert data.activity["returned"] == [0, 1, 0, 0, 0]
    assert data.activity["approved"] == [0, 1, 1, 0, 0]


def test_findings_are_counted_by_gate_and_category_in_the_week_they_were_submitted(session, history):
    data = october(session)
    assert data.by_gate["secrecy"] == [0, 0, 2, 0, 0]
    assert data.by_category["privacy"] == [0, 0, 2, 0, 0]


def test_a_range_longer_than_a_quarter_is_counted_per_month(session, history):
    flt = ListFilter(since=date(2026, 7, 1), until=date(2026, 12, 31))
    data = review_statistics(session, user(session, "auditor1"), flt)
    assert data.bucket == "month"
    assert data.buckets[0] == "2026年7月" and data.activity["submitted"][3] == 4


def test_an_account_filter_counts_only_that_account(session, history):
    data = october(session, account_id=account_id(session, "示例文旅"))
    assert (data.submitted, data.cycles, data.median_hours) == (0, 0, None)


def test_a_day_outside_the_range_is_not_counted(session, history):
    flt = ListFilter(since=date(2026, 10, 13), until=date(2026, 10, 31))
    data = review_statistics(session, user(session, "auditor1"), flt)
    assert (data.submitted, data.approved, data.returned, data.published) == (2, 1, 0, 0)


def test_a_unit_outside_the_users_units_is_not_counted(session, history):
    data = review_statistics(session, user(session, "editor_other"), ListFilter(since=date(2026, 10, 1),
                                                                                  until=date(2026, 10, 31)))
    assert data.submitted == 0


def test_the_page_draws_svg_charts_with_a_table_under_each(client, session, history):
    sign_in(client, session, "auditor1")
    status, html = page(client, "/stats?since=2026-10-01&until=2026-10-31")
    assert status == 200
    assert re.search(r'<span class="stat-value" id="stat-submitted">4</span>', html)
    assert re.search(r'id="stat-median">4\.0 小时<', html)
    assert html.count('<svg class="chart"') == 3
    assert html.count('<table class="list chart-table">') == 3
    assert "保密关" in html and "个人隐私" in html
    assert "<script" not in html.split("</main>")[0]


def test_the_page_refuses_a_bad_date_in_place(client, session):
    sign_in(client, session, "auditor1")
    status, html = page(client, "/stats?until=2026-13-01")
    assert status == 422 and "结束日期“2026-13-01”不是有效日期" in html and "审核统计" in html


def test_the_page_refuses_a_range_longer_than_three_years_in_place(client, session):
    sign_in(client, session, "auditor1")
    status, html = page(client, "/stats?since=2020-01-01&until=2026-01-01")
    assert status == 422 and "统计的日期范围不能超过三年" in html


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 90) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 90) == pytest.approx(10.0)


def test_chart_axes_end_on_round_numbers():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 51, 180)] == [1, 1, 5, 10, 20, 100, 200]

