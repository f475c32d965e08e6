"""Demo messages and Q&A entries (written for the demo): a few messages, one overdue, one with a phone
number to mask, one with abuse to mark, and entries for the city and the 文旅 bureau, one of them expired.

Times are relative to the moment of seeding, so the demo always has something overdue and something fresh.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from reviewer.errors import ReviewerError
from reviewer.messages import inbox, library
from reviewer.storage import Account, Unit, User, utcnow

#: (account, hours before seeding, text, contact)
MESSAGES: tuple[tuple[str, int, str, str | None], ...] = (
    ("示例文旅", 24 * 6, "博物馆周一开放吗？我想带孩子去看恐龙化石展，需要提前预约吗？", None),
    ("示例交通", 24 * 4, "12路公交车最近总是晚点半小时以上，早上上班根本等不到车，你们这帮废物到底管不管？", None),
    ("示例市政府发布", 20, "我家小区门口的路灯坏了一个多月，晚上很黑，请问找谁修？我的电话13912345678。", "李女士"),
    ("示例文旅微博", 2, "请问文化旅游节的灯会几点开始，停车方便吗？", None),
)

#: (unit, question, answer, department, valid until or None)
ENTRIES: tuple[tuple[str, str, str, str, date | None], ...] = (
    ("示例市文化和旅游局", "博物馆开放时间和预约方式",
     "示例市博物馆周二至周日开放，周一闭馆（法定节假日除外）。参观实行免费预约，可通过官方公众号提前预约入馆。", "文旅", None),
    ("示例市文化和旅游局", "文化旅游节活动时间",
     "文化旅游节灯会每晚18时至22时在人民公园举行，公园东门停车场可停车，建议乘坐公交出行。", "文旅", date(2025, 10, 8)),
    ("示例市人民政府办公室", "路灯坏了找谁修",
     "路灯损坏可拨打12345政务服务便民热线报修，市政维修单位将在三个工作日内修复。", "城管", None),
    ("示例市交通运输局", "公交车晚点怎么投诉",
     "公交车晚点、甩站可拨打12345热线或交通运输局服务热线反映，请提供线路、时间和站点，我们将核实后答复。", "交通", None),
)


def seed_messages(session: Session, editor: User) -> int:
    """Insert the demo messages and entries as ``editor``; returns how many messages were stored."""
    units = {u.name: u.id for u in session.query(Unit)}
    accounts = {a.name: a.id for a in session.query(Account)}
    for unit, question, answer, department, until in ENTRIES:
        library.add_entry(session, editor, units[unit], question, answer, department, until)
    now, stored = utcnow(), 0
    for account, hours, text, contact in MESSAGES:
        try:
            inbox.receive(session, editor, inbox.Incoming(accounts[account], now - timedelta(hours=hours), text, contact))
            stored += 1
        except ReviewerError:  # a receipt time the working-day calendar does not cover yet
            continue
    return stored
