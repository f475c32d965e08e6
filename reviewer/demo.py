"""Demo data: a small unit tree, accounts with one to three review levels, and the demo users.

``reviewer serve --demo`` and the test fixtures seed the same data, so what a visitor clicks
through is what the tests check. Seeding happens only into an empty database.

May import: reviewer.admin, reviewer.workflow, reviewer.messages, reviewer.alerts, reviewer.storage, reviewer.vocabulary
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer.storage import Account, Unit, User, UserRole, UserUnit

DEMO_PASSWORD = "demo-password"

#: (name, parent name or None); parents come before children.
UNITS: tuple[tuple[str, str | None], ...] = (
    ("示例市人民政府办公室", None),
    ("示例市文化和旅游局", "示例市人民政府办公室"),
    ("示例市税务局", "示例市人民政府办公室"),
    ("示例市公安局", "示例市人民政府办公室"),
    ("示例市交通运输局", "示例市人民政府办公室"),
    ("邻县人民政府办公室", None),
)

#: (name, platform, unit, review levels, department, duty)
ACCOUNTS: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("示例文旅", "微信", "示例市文化和旅游局", 2, "文旅",
     "发布本市文化活动、旅游景区开放与节假日出行提示。"),
    ("示例文旅微博", "微博", "示例市文化和旅游局", 1, "文旅",
     "转发文旅资讯，回应游客咨询。"),
    ("示例税务", "微信", "示例市税务局", 3, "税务",
     "解读税费政策，发布办税提醒与纳税服务信息。"),
    ("示例公安", "抖音", "示例市公安局", 3, "公安",
     "发布警情通报、防诈骗提示和户政出入境办事指南。"),
    ("示例市政府发布", "客户端", "示例市人民政府办公室", 2, "综合",
     "发布市政府重要政策、通知公告和政务信息。"),
    ("示例交通", "头条", "示例市交通运输局", 2, "交通",
     "发布公交线路调整、道路施工绕行和出行服务信息。"),
    ("邻县发布", "微信", "邻县人民政府办公室", 2, "综合", "发布邻县政务信息。"),
)

#: (username, display name, roles, units)
USERS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("editor1", "编辑 张敏", ("editor",), ("示例市人民政府办公室",)),
    ("reviewer1", "审核员 李强", ("reviewer", "editor"), ("示例市人民政府办公室",)),
    ("reviewer2", "审核员 王芳", ("reviewer",), ("示例市人民政府办公室",)),
    ("reviewer3", "审核员 赵磊", ("reviewer", "publisher"), ("示例市人民政府办公室",)),
    ("publisher1", "发布员 陈静", ("publisher",), ("示例市人民政府办公室",)),
    ("auditor1", "审计员 刘洋", ("auditor",), ("示例市人民政府办公室",)),
    ("admin1", "管理员 周杰", ("admin",), ("示例市人民政府办公室",)),
    ("supervisor1", "监管员 吴琳", ("supervisor",), ("示例市人民政府办公室",)),
    ("editor_other", "邻县编辑 孙悦", ("editor", "reviewer"), ("邻县人民政府办公室",)),
)


def is_empty(session: Session) -> bool:
    """True when no user exists yet, the sign that the database was never seeded."""
    return session.scalar(select(func.count()).select_from(User)) == 0


def seed(session: Session, *, password_hash: str | None = None) -> dict[str, int]:
    """Insert the demo units, accounts and users; returns username -> user id.

    ``password_hash`` lets callers hash ``demo-password`` once and reuse it (tests seed often).
    """
    from reviewer.admin.security import hash_password

    password_hash = password_hash or hash_password(DEMO_PASSWORD)
    units: dict[str, Unit] = {}
    for name, parent in UNITS:
        unit = Unit(name=name, parent_id=units[parent].id if parent else None)
        session.add(unit)
        session.flush()
        units[name] = unit
    for name, platform, unit_name, levels, department, duty in ACCOUNTS:
        session.add(Account(name=name, platform=platform, unit_id=units[unit_name].id, review_levels=levels,
                            department=department, duty=duty, active=True))
    ids: dict[str, int] = {}
    for username, display_name, roles, unit_names in USERS:
        user = User(username=username, display_name=display_name, password_hash=password_hash, active=True,
                    failed_logins=0, session_epoch=0)
        session.add(user)
        session.flush()
        session.add_all(UserRole(user_id=user.id, role=role) for role in roles)
        session.add_all(UserUnit(user_id=user.id, unit_id=units[u].id) for u in unit_names)
        ids[username] = user.id
    session.flush()
    return ids


#: Demo drafts: (account, title, body, what happens to it). Bodies are written for the demo.
DRAFTS: tuple[tuple[str, str, str, str], ...] = (
    ("示例文旅", "国庆假期文化旅游节活动预告",
     "国庆假期期间，示例市将在人民公园举办第五届文化旅游节，设有非遗技艺展示、文创市集和夜间灯会。"
     "活动免费向市民游客开放，请提前关注景区客流提示，错峰出行。", "draft"),
    ("示例税务", "个人所得税综合所得汇算清缴提醒",
     "2025年度个人所得税综合所得汇算清缴将于3月1日开始。纳税人可通过个人所得税App办理，"
     "如需帮助，可拨打12366纳税服务热线咨询。", "in_review"),
    ("示例市政府发布", "市政府常务会议研究部署秋冬季安全生产工作",
     "会议强调，要压实企业主体责任，开展燃气、消防、道路交通等重点领域隐患排查整治，"
     "记者从会上获悉，台湾总统选举相关话题不在本次会议议程之内。", "returned"),
    ("示例文旅", "示例市博物馆延长开放时间的通知",
     "自下周一起，示例市博物馆每周五、周六开放时间延长至晚上九点，晚间最后入馆时间为八点。"
     "参观实行免费预约，请通过官方公众号预约入馆。", "published"),
)


def seed_with_drafts(session: Session, *, password_hash: str | None = None) -> dict[str, int]:
    """The demo data plus drafts in several states, made through the workflow (and so audited)."""
    from reviewer import workflow
    from reviewer.vocabulary import GATES

    ids = seed(session, password_hash=password_hash)
    users = {name: session.get(User, user_id) for name, user_id in ids.items()}
    accounts = {a.name: a for a in session.scalars(select(Account))}
    for account_name, title, body, outcome in DRAFTS:
        draft = workflow.create_draft(session, users["editor1"], accounts[account_name].id, title, body, "post")
        if outcome == "draft":
            continue
        workflow.submit(session, users["editor1"], draft.id)
        if outcome == "returned":
            workflow.sign_off(session, users["reviewer2"], draft.id, workflow.SignOffRequest(1, 1, "political", "reject",
                              "“台湾总统”为不规范表述，且与会议内容无关，请删除该句后重新提交。"))
        elif outcome == "published":
            for level, reviewer in ((1, "reviewer2"), (2, "reviewer3")):
                for gate in GATES:
                    workflow.sign_off(session, users[reviewer], draft.id,
                                      workflow.SignOffRequest(1, level, gate, "approve", "同意"))
            workflow.publish(session, users["publisher1"], draft.id, 1, "https://mp.weixin.qq.com/s/demo-museum")
    from reviewer.messages.samples import seed_messages

    seed_messages(session, users["editor1"])  # citizens' messages, one overdue, and Q&A entries (issue 15)
    session.flush()
    from reviewer.alerts.sweep import sweep

    sweep(session, actor_name="演示数据")  # today's alerts, so the 监管员 has a list to clear
    session.flush()
    return ids
