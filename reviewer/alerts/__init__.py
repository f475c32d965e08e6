"""Violation alerts (违规警报) for the supervising office: raised by a daily sweep, cleared one by one.

Owns ``sources`` (what each kind of alert is raised for: a block finding that reached a published
item, a missed update deadline, an overdue citizen message, an account failing an inspection, a
missing 双向反馈 check; each names its item, so one item is one alert however often the sweep
runs), ``sweep`` (the idempotent daily sweep and its audit entry), ``clearing`` (整改完成 with a
note or 不予认定 with a reason, audited in the same transaction), ``lists`` (the daily list per
unit, and the 2-4-6 escalation counts, reusing ``reviewer.inspection.escalation``) and ``report``
(the rectification report per unit, XLSX and HTML).

May import: reviewer.alerts, reviewer.aftercare, reviewer.messages, reviewer.inspection, reviewer.workflow, reviewer.storage, reviewer.audit, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config, reviewer.calendar
"""
