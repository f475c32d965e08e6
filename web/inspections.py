"""The supervising office's inspections in the browser: upload, progress, result, downloads.

Every view needs ``inspect`` (reviewer.permissions). The work is done by ``reviewer.supervision``:
``jobs.submit`` checks and stores the upload and queues the job with its audit entry; the
service's ``JobRunner`` (started by ``start_runner`` in ``reviewer serve``) runs it in the
background. The views only translate forms and rows; a job of another unit answers 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from sqlalchemy.exc import SQLAlchemyError

from reviewer.errors import WorkflowError
from reviewer.inspection.escalation import policy
from reviewer.storage import InspectionJob
from reviewer.supervision import jobs
from reviewer.web.errors import status_of
from reviewer.web.security import app_settings, current_actor, db, error_response, requires
from reviewer.web.uploads import accepts_uploads

bp = Blueprint("inspections", __name__, url_prefix="/inspections")

RUNNER_KEY = "reviewer.inspection_runner"


def start_runner(app: Flask) -> Any:
    """Start the app's background inspection runner (recovering interrupted jobs first) and return it."""
    from reviewer.supervision.runner import JobRunner

    runner = JobRunner(app.extensions["reviewer.services"])
    runner.start()
    app.extensions[RUNNER_KEY] = runner
    return runner


def _wake_runner() -> None:
    runner = current_app.extensions.get(RUNNER_KEY)
    if runner is not None:
        runner.wake()


def _form(values: dict[str, str] | None = None, error: str | None = None, code: str | None = None,
          status: int = 200) -> Any:
    settings = app_settings()
    return render_template("inspections/new.html", values=values or {"first": "", "last": ""}, error=error,
                           code=code, accepted=jobs.ACCEPTED, limit=jobs.size_text(settings.inspection_upload_bytes),
                           max_files=settings.inspection_max_files), status


@bp.get("/")
@requires("inspect")
def index() -> Any:
    """账号巡检: past inspections of the user's units, newest first."""
    rows = jobs.visible_jobs(db(), current_actor())
    return render_template("inspections/index.html", rows=rows, pass_rate=jobs.pass_rate)


@bp.get("/new")
@requires("inspect")
def new() -> Any:
    """The upload form: account histories and the monitoring window."""
    return _form()


@bp.post("/new")
@requires("inspect")
@accepts_uploads(lambda settings: settings.inspection_upload_bytes)
def submit() -> Any:
    """Queue an inspection of the uploaded files (refused uploads keep the dates typed)."""
    values = {"first": (request.form.get("first") or "")[:20], "last": (request.form.get("last") or "")[:20]}
    uploads = [jobs.Upload(f.filename or "", f.stream) for f in request.files.getlist("files")]
    try:
        job = jobs.submit(db(), current_actor(), uploads, values["first"], values["last"], ip=request.remote_addr)
    except WorkflowError as exc:
        db().rollback()
        return _form(values, exc.message, exc.code, status_of(exc))
    try:
        db().commit()  # before the runner looks for it
    except SQLAlchemyError:
        db().rollback()
        jobs.discard(app_settings(), job)
        return _form(values, "数据库正忙，本次巡检未能提交，请稍后重试。", "conflict", 409)
    _wake_runner()
    flash(f"已提交巡检（{len(job.file_names)} 个文件），正在后台检查。", "success")
    return redirect(url_for("inspections.job", job_id=job.id))


def _job_or_error(job_id: int) -> Any:
    try:
        return jobs.get_job(db(), current_actor(), job_id)
    except WorkflowError as exc:
        return error_response(status_of(exc), exc.message, exc.code)


@bp.get("/<int:job_id>")
@requires("inspect")
def job(job_id: int) -> Any:
    """One inspection: its progress while it runs, its result when done, the reason when it failed."""
    found = _job_or_error(job_id)
    if not isinstance(found, InspectionJob):
        return found
    return render_template("inspections/job.html", job=found, status=jobs.status_of(found),
                           window=jobs.window_text(found), pass_rate=jobs.pass_rate(found),
                           size=jobs.size_text(found.input_bytes), period_days=policy()[0])


@bp.get("/<int:job_id>/status")
@requires("inspect")
def status(job_id: int) -> Any:
    """The job's progress as JSON, polled by the progress page."""
    try:
        found = jobs.get_job(db(), current_actor(), job_id)
    except WorkflowError as exc:
        return jsonify(exc.to_dict()), status_of(exc)
    return jsonify(jobs.status_of(found))


@bp.get("/<int:job_id>/files/<kind>")
@requires("inspect")
def download(job_id: int, kind: str) -> Any:
    """A finished job's report (XLSX), page (HTML) or list of unreadable rows (CSV)."""
    try:
        path, name, mimetype = jobs.output_file(db(), current_actor(), job_id, kind)
    except WorkflowError as exc:
        return error_response(status_of(exc), exc.message, exc.code)
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
