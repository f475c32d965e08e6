"""The account lifecycle: each step allowed or refused with its reason, and what is owed by when.

The rules are those of lexicons/registry.toml (吴堡县政府办 吴政办函〔2022〕71号; 路桥区 备案 within 7 working days).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from reviewer.errors import WorkflowError
from reviewer.registry import Approval, Event, History, Notice, default_rules, due, load_rules, record_filing, transition

OFFICER = "示例市税务局 张敏"
HEAD = Approval("示例市税务局主要负责同志", date(2026, 1, 5))
PROVINCE = Approval("陕西省人民政府办公厅", date(2026, 2, 2), "陕政办函〔2026〕12号")
UNIT = Approval("示例市税务局党组会议", date(2026, 5, 11), "会议纪要第8期")


def step(history: History, to: str, at: datetime, **record) -> History:
    return history.append(transition(history, to, at, OFFICER, **record))


def refusal(history: History, to: str, at: datetime, **record) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        transition(history, to, at, OFFICER, **record)
    return refused.value


def approved() -> History:
    h = step(History("示例税务"), "applied", datetime(2026, 1, 5, 9, 0), approval=HEAD)
    return step(h, "approved", datetime(2026, 2, 2, 9, 0), approval=PROVINCE)


def live() -> History:
    """Live since 2 March 2026, its opening already reported (备案) on 4 March."""
    h = step(approved(), "live", datetime(2026, 3, 2, 10, 0), notice=Notice("示例税务开通公告", date(2026, 3, 2)))
    return h.append(record_filing(h, "report", datetime(2026, 3, 4, 9, 0), OFFICER))


def offline_approval(on: date) -> Approval:
    return Approval("陕西省人民政府办公厅", on, "临时下线审批单")


def closing(on: date = date(2026, 11, 2)) -> History:
    """Closing since ``on``, the 关停迁移公告 up from that day."""
    return step(live(), "closing", datetime.combine(on, time(9, 0)), approval=Approval("陕西省人民政府办公厅", on),
                notice=Notice("关停迁移公告：原有内容迁至“示例市政府发布”", on), reason="按集约化要求并入本级政府账号")


WHEREABOUTS = Notice("原有内容已迁移至“示例市政府发布”", date(2026, 12, 2))


# --- opening ---------------------------------------------------------------------------------------

def test_an_account_starts_with_an_application_approved_by_the_department_head():
    h = step(History("示例税务"), "applied", datetime(2026, 1, 5, 9, 0), approval=HEAD)
    assert h.state == "applied" and h.events[0].action == "apply"


def test_the_first_event_of_an_account_must_be_the_application():
    error = refusal(History("示例税务"), "live", datetime(2026, 1, 5, 9, 0))
    assert error.code == "transition_not_allowed" and "申请开设" in error.message


def test_an_application_without_the_department_heads_consent_is_refused():
    error = refusal(History("示例税务"), "applied", datetime(2026, 1, 5, 9, 0))
    assert error.code == "approval_required" and "本部门主要负责同志同意" in error.message


def test_approval_of_an_application_needs_the_provincial_office():
    h = step(History("示例税务"), "applied", datetime(2026, 1, 5, 9, 0), approval=HEAD)
    error = refusal(h, "approved", datetime(2026, 2, 2, 9, 0))
    assert error.code == "approval_required" and "省政府办公厅批准" in error.message


def test_an_application_cannot_jump_straight_to_live():
    h = step(History("示例税务"), "applied", datetime(2026, 1, 5, 9, 0), approval=HEAD)
    error = refusal(h, "live", datetime(2026, 1, 6, 9, 0), notice=Notice("开通公告", date(2026, 1, 6)))
    assert error.code == "transition_not_allowed"
    assert "「申请开设」，不能直接变为「已上线」" in error.message and "「已批准」" in error.message


def test_an_approval_dated_after_the_step_it_approves_is_refused():
    h = step(History("示例税务"), "applied", datetime(2026, 1, 5, 9, 0), approval=HEAD)
    error = refusal(h, "approved", datetime(2026, 2, 2, 9, 0), approval=replace(PROVINCE, on=date(2026, 2, 3)))
    assert error.code == "approval_after_event"


def test_going_live_without_the_opening_notice_is_refused():
    error = refusal(approved(), "live", datetime(2026, 3, 2, 10, 0))
    assert error.code == "notice_required" and "开通公告" in error.message


def test_an_opening_notice_planned_to_come_down_before_30_days_is_refused():
    error = refusal(approved(), "live", datetime(2026, 3, 2, 10, 0),
                    notice=Notice("开通公告", date(2026, 3, 2), end=date(2026, 3, 20)))
    assert error.code == "notice_too_short" and "2026-04-01" in error.message


def test_going_live_within_the_year_after_approval_is_allowed():
    assert live().state == "live"


def test_going_live_more_than_a_year_after_approval_needs_a_written_explanation():
    error = refusal(approved(), "live", datetime(2027, 2, 3, 10, 0), notice=Notice("开通公告", date(2027, 2, 3)))
    assert error.code == "explanation_required" and "1 年内" in error.message


def test_a_step_dated_before_the_previous_one_is_refused():
    error = refusal(approved(), "live", datetime(2026, 2, 1, 10, 0), notice=Notice("开通公告", date(2026, 2, 1)))
    assert error.code == "event_out_of_order"


# --- while live ------------------------------------------------------------------------------------

def test_a_change_of_registered_details_keeps_the_account_live():
    h = step(live(), "live", datetime(2026, 5, 11, 10, 0), approval=UNIT, notice=Notice("负责同志变更公告", date(2026, 5, 11)))
    assert h.state == "live" and h.events[-1].action == "change"


def test_a_change_without_the_units_consent_is_refused():
    error = refusal(live(), "live", datetime(2026, 5, 11, 10, 0), notice=Notice("负责同志变更公告", date(2026, 5, 11)))
    assert error.code == "approval_required" and "主办单位集体研究或主要领导同意" in error.message


def test_a_first_temporary_offline_in_a_year_is_allowed_with_approval_and_notice():
    h = step(live(), "offline", datetime(2026, 6, 1, 10, 0), approval=offline_approval(date(2026, 5, 28)),
             notice=Notice("系统升级临时下线公告", date(2026, 6, 1)))
    assert h.state == "offline"


def test_a_temporary_offline_without_approval_is_refused():
    error = refusal(live(), "offline", datetime(2026, 6, 1, 10, 0), notice=Notice("临时下线公告", date(2026, 6, 1)))
    assert error.code == "approval_required" and "省政府办公厅审批同意" in error.message


def test_a_second_temporary_offline_in_one_year_is_refused_with_the_reason():
    h = step(live(), "offline", datetime(2026, 6, 1, 10, 0), approval=offline_approval(date(2026, 5, 28)),
             notice=Notice("系统升级临时下线公告", date(2026, 6, 1)))
    h = step(h, "live", datetime(2026, 6, 20, 10, 0))
    error = refusal(h, "offline", datetime(2026, 9, 1, 10, 0), approval=offline_approval(date(2026, 8, 28)),
                    notice=Notice("整改临时下线公告", date(2026, 9, 1)))
    assert error.code == "offline_limit"
    assert "2026 年已临时下线 1 次（2026-06-01）" in error.message and "每年不得超过 1 次" in error.message


def test_a_force_majeure_offline_is_not_counted_in_the_years_limit():
    h = step(live(), "offline", datetime(2026, 6, 1, 10, 0), force_majeure=True, reason="暴雨致机房长时间断电，已书面报备县政府办公室")
    h = step(h, "live", datetime(2026, 6, 3, 10, 0))
    h = step(h, "offline", datetime(2026, 9, 1, 10, 0), approval=offline_approval(date(2026, 8, 28)),
             notice=Notice("系统升级临时下线公告", date(2026, 9, 1)))
    assert h.state == "offline"


def test_a_force_majeure_offline_needs_the_written_reason():
    error = refusal(live(), "offline", datetime(2026, 6, 1, 10, 0), force_majeure=True)
    assert error.code == "reason_required" and "书面报备" in error.message


def test_a_temporary_offline_in_the_next_year_is_allowed_again():
    h = step(live(), "offline", datetime(2026, 6, 1, 10, 0), approval=offline_approval(date(2026, 5, 28)),
             notice=Notice("系统升级临时下线公告", date(2026, 6, 1)))
    h = step(h, "live", datetime(2026, 6, 20, 10, 0))
    h = step(h, "offline", datetime(2027, 3, 1, 10, 0), approval=offline_approval(date(2027, 2, 26)),
             notice=Notice("整改临时下线公告", date(2027, 3, 1)))
    assert h.state == "offline"


def test_force_majeure_does_not_excuse_any_step_but_a_temporary_offline():
    error = refusal(live(), "closing", datetime(2026, 11, 2, 9, 0), force_majeure=True, reason="断网")
    assert error.code == "force_majeure_not_applicable"


def test_a_merger_needs_the_units_consent_and_a_notice():
    h = step(live(), "merged", datetime(2026, 7, 1, 10, 0), approval=replace(UNIT, on=date(2026, 6, 30)),
             notice=Notice("整合公告：本账号并入“示例市政府发布”", date(2026, 7, 1)))
    assert h.state == "merged"


def test_a_merged_account_cannot_go_back_live():
    h = step(live(), "merged", datetime(2026, 7, 1, 10, 0), approval=replace(UNIT, on=date(2026, 6, 30)),
             notice=Notice("整合公告", date(2026, 7, 1)))
    error = refusal(h, "live", datetime(2026, 8, 1, 10, 0), approval=replace(UNIT, on=date(2026, 8, 1)),
                    notice=Notice("变更公告", date(2026, 8, 1)))
    assert error.code == "transition_not_allowed" and "「注销中」" in error.message


# --- closing ---------------------------------------------------------------------------------------

def test_closing_without_the_migration_notice_is_refused():
    error = refusal(live(), "closing", datetime(2026, 11, 2, 9, 0), approval=Approval("陕西省人民政府办公厅", date(2026, 10, 30)),
                    reason="无力维护")
    assert error.code == "notice_required" and "关停迁移公告" in error.message


def test_closing_cannot_complete_when_no_migration_notice_is_on_record():
    # An account recorded before the register existed: its 启动注销关停 carries no notice.
    h = live().append(Event("start_closing", "closing", datetime(2026, 11, 2, 9, 0), OFFICER, reason="无力维护"))
    error = refusal(h, "closed", datetime(2026, 12, 10, 9, 0), notice=WHEREABOUTS)
    assert error.code == "notice_required" and "关停迁移公告" in error.message


def test_closing_cannot_complete_before_the_notice_has_been_up_30_days():
    error = refusal(closing(), "closed", datetime(2026, 11, 20, 9, 0), notice=WHEREABOUTS)
    assert error.code == "notice_too_short" and "2026-12-02 起方可完成注销" in error.message


def test_closing_cannot_complete_when_the_notice_came_down_after_20_days():
    h = closing()
    started = h.events[-1]  # the register later learns the notice came down on 22 November
    h = replace(h, events=(*h.events[:-1], replace(started, notice=replace(started.notice, end=date(2026, 11, 22)))))
    error = refusal(h, "closed", datetime(2026, 12, 10, 9, 0), notice=WHEREABOUTS)
    assert error.code == "notice_too_short" and "仅保留 20 天" in error.message


def test_closing_completes_once_the_notice_has_been_up_30_days():
    assert step(closing(), "closed", datetime(2026, 12, 2, 9, 0), notice=WHEREABOUTS).state == "closed"


def test_completing_closure_needs_the_notice_saying_where_the_content_went():
    error = refusal(closing(), "closed", datetime(2026, 12, 2, 9, 0))
    assert error.code == "notice_required" and "原有内容去向公告" in error.message


def test_a_closed_account_is_final():
    h = step(closing(), "closed", datetime(2026, 12, 2, 9, 0), notice=WHEREABOUTS)
    error = refusal(h, "live", datetime(2026, 12, 3, 9, 0))
    assert error.code == "transition_not_allowed" and "终态" in error.message


def test_release_from_supervision_needs_the_state_council_office_and_the_staffing_document():
    error = refusal(live(), "released", datetime(2026, 8, 3, 9, 0), reason="机构改革后不再具备行政职能",
                    approval=Approval("国务院办公厅", date(2026, 7, 31)))
    assert error.code == "approval_required" and "编制部门批复文件" in error.message


def test_an_unknown_state_is_refused_with_the_known_ones():
    error = refusal(live(), "suspended", datetime(2026, 8, 3, 9, 0))
    assert error.code == "unknown_state" and "offline" in error.message


# --- what is owed ----------------------------------------------------------------------------------

def changed_on_30_september() -> History:
    return step(live(), "live", datetime(2026, 9, 30, 10, 0), approval=replace(UNIT, on=date(2026, 9, 29)),
                notice=Notice("联系方式变更公告", date(2026, 9, 30)))


def owed(history: History, today: date, code: str):
    return [d for d in due(history, today) if d.code == code]


def test_an_approval_owes_going_live_within_a_year():
    [item] = owed(approved(), date(2026, 3, 1), "go_live")
    assert item.by == datetime(2027, 2, 2, 9, 0) and not item.overdue


def test_a_change_owes_the_report_within_seven_working_days_across_national_day():
    [item] = owed(changed_on_30_september(), date(2026, 10, 15), "report")
    assert item.by == datetime(2026, 10, 15, 10, 0) and not item.overdue


def test_an_unfiled_change_report_is_overdue_the_day_after_its_deadline():
    [item] = owed(changed_on_30_september(), date(2026, 10, 16), "report")
    assert item.overdue and "已逾期" in item.text


def test_the_report_discharges_it_and_starts_two_working_days_for_the_national_system():
    h = changed_on_30_september()
    h = h.append(record_filing(h, "report", datetime(2026, 10, 9, 16, 0), OFFICER))
    assert owed(h, date(2026, 10, 9), "report") == []
    [item] = owed(h, date(2026, 10, 9), "system")
    assert item.by == datetime(2026, 10, 12, 16, 0)  # Saturday 10 October is worked (调休上班)


def test_a_report_filed_before_the_change_does_not_discharge_it():
    # live() was reported on 4 March; the change of 30 September needs its own report.
    assert [d.because for d in owed(changed_on_30_september(), date(2026, 10, 9), "report")] == ["change"]


def test_a_temporary_offline_owes_coming_back_within_30_days():
    h = step(live(), "offline", datetime(2026, 6, 1, 10, 0), approval=offline_approval(date(2026, 5, 28)),
             notice=Notice("系统升级临时下线公告", date(2026, 6, 1)))
    [item] = owed(h, date(2026, 7, 2), "back_online")
    assert item.by == datetime(2026, 7, 1, 10, 0) and item.overdue


def test_coming_back_online_discharges_the_return():
    h = step(live(), "offline", datetime(2026, 6, 1, 10, 0), approval=offline_approval(date(2026, 5, 28)),
             notice=Notice("系统升级临时下线公告", date(2026, 6, 1)))
    h = step(h, "live", datetime(2026, 6, 20, 10, 0))
    assert owed(h, date(2026, 7, 2), "back_online") == []


def test_a_completed_closure_owes_the_national_system_within_two_working_days_across_labour_day():
    h = step(closing(date(2026, 3, 27)), "closed", datetime(2026, 4, 30, 15, 0), notice=replace(WHEREABOUTS, start=date(2026, 4, 30)))
    [item] = owed(h, date(2026, 5, 6), "system")
    assert item.by == datetime(2026, 5, 7, 15, 0) and not item.overdue


def test_the_opening_notice_must_stay_up_for_30_days():
    [item] = owed(live(), date(2026, 3, 20), "keep_notice")
    assert item.keep and item.by == datetime(2026, 4, 1, 0, 0) and not item.overdue


def test_a_filing_of_an_unknown_kind_is_refused():
    with pytest.raises(WorkflowError) as refused:
        record_filing(live(), "年报", datetime(2026, 4, 1, 9, 0), OFFICER)
    assert refused.value.code == "unknown_filing"


# --- the rules as data -----------------------------------------------------------------------------

def test_the_shipped_rules_name_every_state_in_chinese():
    assert dict(default_rules().states) == {
        "applied": "申请开设", "approved": "已批准", "live": "已上线", "offline": "临时下线", "merged": "已整合",
        "closing": "注销中", "closed": "已注销", "released": "退出监管"}


def test_rules_with_a_transition_to_an_undefined_state_fail_when_read():
    text = """
[states]
applied = "申请开设"
[transitions.apply]
name = "申请开设"
from = []
to = "opened"
"""
    with pytest.raises(ValueError, match="未定义的状态 opened"):
        load_rules(text)
