"""Account histories written for the inspection-job tests, and a job submitted and run to its end.

The four weeks below have two accounts with known verdicts: 示例文旅 posts an original every three
days and passes; 沉默账号 of 示例市交通运输局 stops 18 days before the monitoring point and fails
(监测时间点前2周内未更新, its only judged problem: its export does not say what is original, so one
alert for its unit). One row has no text, so it is a bad row.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from reviewer.storage import Unit, User, UserRole, UserUnit

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 29)  # four whole weeks, Monday to Sunday
FIELDS = ["id", "account", "platform", "unit", "published_at", "title", "text", "kind", "is_original", "message_at"]
CULTURE = ["市图书馆本周六上午举办少儿绘本阅读活动，欢迎家长带孩子参加。",
           "市博物馆冬季开放时间调整为9:00至17:00，周一闭馆。",
           "文化馆公益艺术培训班面向全市中小学生开放，请家长通过官方渠道报名。",
           "非遗展示活动将在人民公园举行，现场有剪纸、皮影等项目展示。"]
TRANSPORT = ["因道路施工，12路公交车自本周一起临时绕行人民路，请乘客留意站牌信息。",
             "市区新增两条定制公交线路，方便市民早晚高峰通勤。",
             "受降雪影响，部分国省道实行交通管制，请驾驶员减速慢行。",
             "春运期间客运站增开夜间班次，旅客可通过官方渠道购票。"]
STALE = "监测时间点前2周内未更新"


def posts(account: str, unit: str, texts: list[str], every: int, first: date = FIRST, until: date = LAST,
          original: str = "是") -> list[dict]:
    """An account posting one of ``texts`` every ``every`` days from ``first`` to ``until``."""
    rows, day, n = [], first, 0
    while day <= until:
        rows.append({"id": f"{account}-{n}", "account": account, "platform": "微信", "unit": unit,
                     "published_at": f"{day} 10:00", "title": "", "text": texts[n % len(texts)], "kind": "post",
                     "is_original": original})
        day += timedelta(days=every)
        n += 1
    return rows


def quarter_rows(first: date = FIRST, last: date = LAST) -> list[dict]:
    """The two accounts of the module docstring over ``first``..``last``, and one row without text."""
    silent_until = last - timedelta(days=18)
    return (posts("示例文旅", "示例市文化和旅游局", CULTURE, 3, first, last)
            + posts("沉默账号", "示例市交通运输局", TRANSPORT, 3, first, silent_until, original="")
            + [{"id": "空白-1", "account": "示例文旅", "platform": "微信", "unit": "示例市文化和旅游局",
                "published_at": f"{first} 09:00", "text": "", "kind": "post"}])


def csv_bytes(rows: list[dict]) -> bytes:
    """Rows as an exported CSV (UTF-8 with BOM, as spreadsheet programs write it)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_history(path: Path, rows: list[dict]) -> Path:
    path.write_bytes(csv_bytes(rows))
    return path


def user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def supervisor_of(session, unit_name: str, username: str) -> None:
    """A supervisor of another office (the demo has one), with a password no one knows."""
    unit = session.scalar(select(Unit.id).where(Unit.name == unit_name))
    person = User(username=username, display_name="邻县监管员", password_hash="x", active=True, failed_logins=0,
                  session_epoch=0)
    session.add(person)
    session.flush()
    session.add_all([UserRole(user_id=person.id, role="supervisor"), UserUnit(user_id=person.id, unit_id=unit)])
    session.commit()


def submitted(session, name: str = "账号历史.csv", rows: list[dict] | None = None, *, username: str = "supervisor1",
              first: date = FIRST, last: date = LAST, data: bytes | None = None) -> int:
    """A job queued through the domain (``data``, else ``rows`` as CSV), committed; its id."""
    from reviewer.supervision import jobs

    if data is None:
        data = csv_bytes(quarter_rows(first, last) if rows is None else rows)
    job = jobs.submit(session, user(session, username), [jobs.Upload(name, io.BytesIO(data))], first, last)
    session.commit()
    return job.id


def finished(services, session, **kwargs) -> int:
    """A job submitted and run to its end by the runner (as the service's thread would); its id."""
    from reviewer.supervision.runner import JobRunner

    job_id = submitted(session, **kwargs)
    JobRunner(services).run_pending()
    session.expire_all()
    return job_id
