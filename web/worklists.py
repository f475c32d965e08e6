"""Work lists around the review: 待办 (with its count in the navigation bar), the printable
审核签批单 and its PDF, the statistics page, and the one list view every paged list uses.

Views only read: who may act comes from ``reviewer.workflow`` (the permission table), the numbers
from ``reviewer.workflow.stats``. A bad filter (page number, date) is shown in Chinese above the
form, which keeps what was typed; the list itself answers 422 then, never an error page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, session
from flask_login import current_user

from reviewer import workflow
from reviewer.errors import WorkflowError
from reviewer.vocabulary import GATE_NAMES
from reviewer.web.charts import bar_chart
from reviewer.web.errors import status_of
from reviewer.web.highlight import category_names
from reviewer.web.security import current_actor, db, error_response, requires
from reviewer.workflow import listing, signsheet, stats, todo

bp = Blueprint("worklists", __name__)

#: How long the count in the navigation bar may be old, in seconds; the session keeps it.
TODO_SECONDS = 30
TODO_KEY = "todo_count"

#: The chart series of the activity chart: (key, Chinese name).
ACTIVITY: tuple[tuple[str, str], ...] = (
    ("submitted", "提交审核"), ("approved", "审核通过"), ("returned", "退回修改"), ("published", "发布"),
)


def list_view(template: str, endpoint: str, fetch: Callable[[Any, Any, listing.ListFilter], listing.Page],
              **extra: Any) -> Any:
    """A paged, searchable list: parse the query string, fetch one page, render; errors go above the form."""
    session, actor = db(), current_actor()
    flt, errors = listing.ListFilter.parse(request.args)
    result = listing.empty_page() if errors else fetch(session, actor, flt)
    return render_template(template, result=result, flt=flt, errors=errors, endpoint=endpoint,
                           accounts=listing.list_accounts(session, actor), **extra), 422 if errors else 200


def _top(names: dict[str, str], counts: dict[str, list[int]], width: int, keep: int = 7) -> list[tuple[str, list[int]]]:
    """The ``keep`` most frequent categories by name, the rest summed as 其他 (a chart stays readable)."""
    items = list(counts.items())
    series = [(names.get(code, code), values) for code, values in items[:keep]]
    rest = [values for _, values in items[keep:]]
    if rest:
        series.append(("其他", [sum(column) for column in zip(*rest, strict=True)] if width else []))
    return series


def _remember_count(count: int) -> int:
    session[TODO_KEY] = [current_user.id, time.time(), count]
    return count


def cached_todo_count() -> int:
    """The navigation bar's to-do count, recounted at most every ``TODO_SECONDS`` (and after any form the user sent).

    Counting asks the permission rules about every open draft, which is too slow for every page;
    the 待办 page itself always counts afresh.
    """
    if not current_user.is_authenticated:
        return 0
    kept = session.get(TODO_KEY)
    if (isinstance(kept, list) and len(kept) == 3 and kept[0] == current_user.id
            and 0 <= time.time() - kept[1] < TODO_SECONDS):
        return int(kept[2])
    return _remember_count(todo.todo_count(db(), current_actor()))


@bp.before_app_request
def _forget_count_after_a_change() -> None:
    if request.method == "POST":
        session.pop(TODO_KEY, None)


@bp.app_context_processor
def _todo_context() -> dict[str, Any]:
    return {"todo_count": cached_todo_count}


@bp.route("/todo", endpoint="todo")
@requires("session")
def todo_page() -> Any:
    """待办: drafts returned to me, waiting for my level, waiting for me to publish, with how long each waited."""
    found = todo.todo(db(), current_actor())
    _remember_count(found.count)
    return render_template("worklists/todo.html", lists=found.lists, kinds=todo.KINDS, waited=todo.waited_text,
                           total=found.count)


def _sheet() -> Any:
    return signsheet.sign_sheet(db(), workflow.get_draft(db(), current_actor(), request.view_args["draft_id"]),
                                request.args.get("version"))


@bp.route("/drafts/<int:draft_id>/signsheet")
@requires("draft.read")
def sheet(draft_id: int) -> Any:
    """审核签批单: one version's five gates per level, ready to print (A4) or download as PDF."""
    try:
        data = _sheet()
    except WorkflowError as exc:
        return error_response(status_of(exc), exc.message, exc.code)
    return render_template("worklists/signsheet.html", sheet=data)


@bp.route("/drafts/<int:draft_id>/signsheet.pdf")
@requires("draft.read")
def sheet_pdf(draft_id: int) -> Any:
    """The same 审核签批单 as a PDF file (A4, Chinese in the PDF's built-in CJK font)."""
    from reviewer.web.signsheet_pdf import render_pdf

    try:
        data = _sheet()
    except WorkflowError as exc:
        return error_response(status_of(exc), exc.message, exc.code)
    response = Response(render_pdf(data), mimetype="application/pdf")
    name = f"审核签批单-稿件{data.draft_id}-第{data.version}版.pdf"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/stats")
@requires("draft.read")
def statistics_page() -> Any:
    """统计: the units' review work over a date range, charts drawn here as SVG with a table under each."""
    session, actor = db(), current_actor()
    flt, errors = listing.ListFilter.parse(request.args)
    accounts = listing.list_accounts(session, actor)
    if errors:
        return render_template("worklists/stats.html", data=None, flt=flt, errors=errors, accounts=accounts), 422
    try:
        data = stats.review_statistics(session, actor, flt)
    except WorkflowError as exc:
        return render_template("worklists/stats.html", data=None, flt=flt, errors={"until": exc.message},
                               accounts=accounts), 422
    names = category_names()
    charts = {
        "activity": ("审核工作量", [(label, data.activity[key]) for key, label in ACTIVITY]),
        "gates": ("各关口发现的问题", [(GATE_NAMES[g], v) for g, v in data.by_gate.items()]),
        "categories": ("各类问题", _top(names, data.by_category, len(data.buckets))),
    }
    drawn = {key: {"title": title, "series": series, "svg": bar_chart(title, data.buckets, series)}
             for key, (title, series) in charts.items()}
    return render_template("worklists/stats.html", data=data, flt=flt, errors={}, accounts=accounts, charts=drawn)
