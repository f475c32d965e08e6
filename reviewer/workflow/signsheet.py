"""审核签批单: the record of one version's review that units print, sign and file on paper.

Built from ``draft_state`` (the same data the draft page shows), for any version of the draft: the
account, title, draft number and content hash, each level's five gates with who decided what and
when, the override reasons and unit consents, lapsed signatures, and the publication of that version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from reviewer.errors import fail
from reviewer.storage import Draft
from reviewer.vocabulary import DECISION_NAMES, GATE_NAMES, GATES, KIND_NAMES, STATUS_NAMES, level_name
from reviewer.workflow.reads import draft_state

BEIJING = timezone(timedelta(hours=8))


def beijing(moment: str | None) -> str:
    """An ISO instant as ``2026-10-01 09:30``, Beijing time (what signers read and write)."""
    if not moment:
        return ""
    return datetime.fromisoformat(moment).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class SignSheet:
    """Everything one 审核签批单 shows; ``levels`` is a list of {level, name, signer, gates: [...]}."""

    draft_id: int
    version: int
    versions: list[int]
    is_current: bool
    account: dict
    kind_name: str
    title: str
    author: str
    editor: str
    created_at: str
    sha256: str
    status_name: str
    levels: list[dict]
    lapsed: list[dict]
    publication: dict | None
    printed_at: str


def _name(user: dict | None) -> str:
    return (user or {}).get("display_name") or (user or {}).get("username") or ""


def _outcome(state: dict, number: int, levels: list[dict], published: dict | None) -> str:
    """This version's own outcome (not the draft's current status): published, returned, approved, or open."""
    decisions = [g["decision"] for level in levels for g in level["gates"]]
    if published:
        return STATUS_NAMES["published"]
    if "reject" in decisions:
        return STATUS_NAMES["returned"]
    if decisions and all(d == "approve" for d in decisions):
        return STATUS_NAMES["approved"]
    if number == state["version"]:
        return state["status_name"]
    return "未审完，已有新版本"


def sign_sheet(session: Session, draft: Draft, version: Any = None, *, now: datetime | None = None) -> SignSheet:
    """The sign sheet of ``version`` (default: the current one) of ``draft``; an unknown version is 404."""
    state = draft_state(session, draft)
    numbers = [v["number"] for v in state["versions"]]
    number = state["version"] if version in (None, "") else version
    if isinstance(number, str) and number.isdigit() and len(number) < 6:
        number = int(number)
    if number not in numbers:
        raise fail("not_found", f"稿件第 {version} 版不存在，该稿件共有 {len(numbers)} 个版本。")
    chosen = next(v for v in state["versions"] if v["number"] == number)
    findings = {f["id"]: f for f in chosen["findings"]}
    signed = [s for s in state["signoffs"] if s["version"] == number]
    live = {(s["level"], s["gate"]): s for s in signed if not s["lapsed_at"]}
    levels = []
    for level in range(1, state["account"]["review_levels"] + 1):
        gates = []
        for gate in GATES:
            s = live.get((level, gate))
            gates.append({
                "gate": gate, "gate_name": GATE_NAMES[gate],
                "decision": s["decision"] if s else None,
                "decision_name": DECISION_NAMES[s["decision"]] if s else "未签",
                "signer": _name(s["reviewer"]) if s else "",
                "at": beijing(s["created_at"]) if s else "",
                "comment": (s["comment"] or "") if s else "",
                "overrides": [{"finding": findings.get(o["finding_id"], {}).get("text", ""), "finding_id": o["finding_id"],
                               "reason": o["reason"]} for o in (s["overrides"] if s else [])],
                "consents": [{"finding": findings.get(c["finding_id"], {}).get("text", ""), "approver": c["approver"],
                              "approved_on": c["approved_on"]} for c in (s["consents"] if s else [])],
            })
        signers = sorted({g["signer"] for g in gates if g["signer"]})
        levels.append({"level": level, "name": level_name(level), "signer": "、".join(signers), "gates": gates})
    lapsed = [{"level_name": level_name(s["level"]), "gate_name": s["gate_name"], "signer": _name(s["reviewer"]),
               "at": beijing(s["created_at"]), "lapsed_at": beijing(s["lapsed_at"]), "reason": s["lapse_reason"] or ""}
              for s in signed if s["lapsed_at"]]
    publication = state["publication"]
    published = None
    if publication and publication["version"] == number:
        published = {"publisher": _name(publication["publisher"]), "at": beijing(publication["published_at"]),
                     "url": publication["url"] or ""}
    return SignSheet(
        draft_id=state["id"], version=number, versions=numbers, is_current=number == state["version"],
        account={"name": state["account"]["name"], "platform": state["account"]["platform"],
                 "unit": state["account"]["unit"] or "", "review_levels": state["account"]["review_levels"]},
        kind_name=KIND_NAMES.get(state["kind"], state["kind"]), title=chosen["title"], author=_name(state["author"]),
        editor=_name(chosen["editor"]), created_at=beijing(chosen["created_at"]), sha256=chosen["sha256"],
        status_name=_outcome(state, number, levels, published),
        levels=levels, lapsed=lapsed, publication=published,
        printed_at=(now or datetime.now(BEIJING)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
    )
