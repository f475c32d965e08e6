"""违规警报 in the browser: the day's list per unit, the sweep, clearing one alert, the rectification report.

Every view needs ``alerts.handle`` (reviewer.permissions). The work is ``reviewer.alerts``'s; the
views translate forms and answers. A refused clearing re-renders the list with the error next to
the alert's own form, the typed note kept, and the page scrolled there (the form's anchor).
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from reviewer.alerts import lists, report
from reviewer.alerts.sweep import CLEARING, clear, parse_day, sweep, today
from reviewer.errors import WorkflowError
from reviewer.inspection.escalation import policy
from reviewer.storage import Unit
from reviewer.web.errors import status_of
from reviewer.web.security import CONTENT_SECURITY_POLICY, current_actor, db, error_response, requires
from reviewer.workflow import visible_unit_ids

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError) -> Any:
    db().rollback()
    return error_response(status_of(exc), exc.message, exc.code)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit_arg(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _page(day_text: str, unit_id: int | None, *, errors: dict[int, str] | None = None,
          notes: dict[int, dict[str, str]] | None = None, status: int = 200) -> Any:
    try:
        day = parse_day(day_text)
    except WorkflowError as exc:
        day, errors, status = today(), {0: exc.message}, status_of(exc)
    units = lists.daily(db(), current_actor(), day, unit_id)
    choices = sorted(({"id": u.unit_id, "name": u.unit} for u in lists.daily(db(), current_actor(), day)),
                     key=lambda u: u["name"])
    period_days, levels = policy()
    return render_template("alerts/index.html", day=day, units=units, unit_id=unit_id, choices=choices,
                           errors=errors or {}, notes=notes or {}, clearing=CLEARING, period_days=period_days,
                           levels=levels, first=(day - timedelta(days=30)).isoformat(), today=today()), status


@bp.get("/")
@requires("alerts.handle")
def index() -> Any:
    """违规警报: the day's alerts of each unit, open ones first, with the escalation each unit reached."""
    return _page(request.args.get("date", ""), _unit_arg(request.args.get("unit")))


@bp.post("/sweep")
@requires("alerts.handle")
def run_sweep() -> Any:
    """生成今日警报: the same sweep the daily job runs; running it again adds nothing."""
    day_text = request.form.get("date", "")
    try:
        result = sweep(db(), parse_day(day_text), actor=current_actor())
    except WorkflowError as exc:
        db().rollback()
        return _page(day_text, None, errors={0: exc.message}, status=status_of(exc))
    flash(f"已检查 {result.seen} 项，新增违规警报 {len(result.raised)} 条（已有的不重复生成）。", "success")
    return redirect(url_for("alerts.index", date=result.day.isoformat()))


@bp.post("/<int:alert_id>/clear")
@requires("alerts.handle")
def clear_alert(alert_id: int) -> Any:
    """整改完成 or 不予认定, with the note; audited with the change."""
    outcome = request.form.get("outcome", "")
    note = request.form.get("note", "")
    day_text, unit_id = request.form.get("date", ""), _unit_arg(request.form.get("unit"))
    try:
        alert = clear(db(), current_actor(), alert_id, outcome, note, ip=request.remote_addr)
    except WorkflowError as exc:
        db().rollback()
        return _page(day_text, unit_id, errors={alert_id: exc.message}, notes={alert_id: {"outcome": outcome, "note": note}},
                     status=status_of(exc))
    flash(f"警报 #{alert.id} 已处理为“{'整改完成' if alert.state == 'rectified' else '不予认定'}”。", "success")
    return redirect(url_for("alerts.index", date=day_text or None, unit=unit_id) + f"#unit-{alert.unit_id}")


@bp.get("/report")
@requires("alerts.handle")
def rectification_report() -> Any:
    """整改情况表 of one unit for a period, as XLSX (download) or HTML (printable page)."""
    unit_id = _unit_arg(request.args.get("unit"))
    try:
        last = parse_day(request.args.get("last"))
        first = parse_day(request.args.get("first") or (last - timedelta(days=30)).isoformat())
        if first > last:
            raise WorkflowError("invalid_input", "开始日期不能晚于结束日期。")
    except WorkflowError as exc:
        return _page("", unit_id, errors={0: exc.message}, status=status_of(exc))
    unit = db().scalar(select(Unit).where(Unit.id == unit_id)) if unit_id else None
    if unit is None or unit.id not in visible_unit_ids(db(), current_actor()):
        return _page("", None, errors={0: "请选择您所在单位或下级单位。"}, status=404)
    rows = lists.unit_alerts(db(), current_actor(), unit.id, first, last)
    if request.args.get("format") == "html":
        page = Response(report.html(rows, unit.name, first, last), mimetype="text/html")
        page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", f"style-src 'self' {report.style_hash()}")  # exactly the page's own style
        return page
    target = io.BytesIO()
    report.write_xlsx(rows, unit.name, first, last, target)
    target.seek(0)
    name = f"{report.title(unit.name, first, last)}.xlsx"
    response = send_file(target, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response

