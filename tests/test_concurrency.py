"""16 threads race edits, sign-offs and publishing on one draft; the record must stay consistent.

Whatever interleaving happens, every published version must carry, at each level its account
requires, one reviewer's approval of all five gates of THAT version, by distinct reviewers who
never wrote the draft, and the publisher must not be one of them; and no level of any version was
signed before every lower level had approved all five gates. Losers of a race get 403/404/409
answers, never a 500.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict

from sqlalchemy import select

from reviewer.storage import Account, Draft, DraftVersion, Publication, SignOff
from reviewer.vocabulary import GATES

ALLOWED = {200, 201, 403, 404, 409, 422}
ROUNDS = 40


def _pick_slot(state: dict, me: str, rng: random.Random) -> tuple[int, str]:
    """Mostly a slot of the open level this reviewer could fill (as a real client would); sometimes any."""
    if rng.random() < 0.25:
        return rng.choice([1, 2]), rng.choice(GATES)
    level = state.get("open_level")
    gates = state["matrix"].get(str(level), {})
    signers = {s["reviewer"]["username"] for s in gates.values() if s}
    open_slots = [(level, gate) for gate, signed in gates.items() if not signed] if signers <= {me} else []
    return rng.choice(open_slots) if open_slots else (rng.choice([1, 2]), rng.choice(GATES))


def _worker(app, token: str, user: str, role: str, draft_id: int, seed: int, barrier: threading.Barrier,
            statuses: list, lock: threading.Lock) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(seed)
    barrier.wait()
    for round_no in range(ROUNDS):
        answer = client.get(f"/api/v1/drafts/{draft_id}", headers=headers)
        state = answer.get_json() if answer.status_code == 200 else {"version": 1, "matrix": {}}
        version = state["version"]
        if state.get("status") == "published":
            break
        if role == "edit":
            if round_no not in (0, 3):
                continue
            response = client.put(f"/api/v1/drafts/{draft_id}", headers=headers, json={
                "title": f"第{seed}-{round_no}稿", "body": f"本市文化旅游节将如期举办（{seed}-{round_no}）。",
                "base_version": version})
        elif role == "publish":
            response = client.post(f"/api/v1/drafts/{draft_id}/publish", headers=headers,
                                   json={"version": version, "url": "https://mp.weixin.qq.com/s/demo"})
        else:
            level, gate = _pick_slot(state, user, rng)
            response = client.post(f"/api/v1/drafts/{draft_id}/signoffs", headers=headers, json={
                "version": version, "level": level, "gate": gate, "decision": "approve"})
        with lock:
            statuses.append(response.status_code)


def _check_publications(db) -> int:
    publications = db.scalars(select(Publication)).all()
    for publication in publications:
        version = db.get(DraftVersion, publication.version_id)
        draft = db.get(Draft, version.draft_id)
        account = db.get(Account, draft.account_id)
        writers = set(db.scalars(select(DraftVersion.editor_id).where(DraftVersion.draft_id == draft.id)))
        writers.add(draft.author_id)
        rows = db.scalars(select(SignOff).where(SignOff.version_id == version.id)).all()
        by_level = defaultdict(list)
        for row in rows:
            by_level[row.level].append(row)
        approvers = []
        for level in range(1, account.review_levels + 1):
            people = {r.reviewer_id for r in by_level[level]}
            assert len(people) == 1, f"level {level} signed by {people}"
            assert {r.gate for r in by_level[level] if r.decision == "approve"} == set(GATES)
            approvers.extend(people)
        assert len(approvers) == len(set(approvers)), "one person signed two levels"
        assert not set(approvers) & writers, "a writer signed their own draft"
        assert publication.publisher_id not in approvers, "a signer published"
        assert draft.current_version == version.number and draft.status == "published"
    return len(publications)


def _check_level_order(db) -> None:
    """Every level of every version was first signed after the level below it had all five approvals."""
    for version in db.scalars(select(DraftVersion)).all():
        rows = db.scalars(select(SignOff).where(SignOff.version_id == version.id)).all()
        by_level = defaultdict(list)
        for row in rows:
            by_level[row.level].append(row)
        for level, signed in by_level.items():
            if level == 1:
                continue
            below = [r for r in by_level[level - 1] if r.decision == "approve"]
            assert {r.gate for r in below} == set(GATES), f"level {level} signed before level {level - 1} finished"
            assert min(r.id for r in signed) > max(r.id for r in below), f"level {level} signed too early"


def _race(app, api_as, token_for, db) -> tuple[list[int], int]:
    editor = api_as("editor1")
    draft_id = editor.submitted_draft()
    plan = ([("editor1", "edit")] * 2 + [("reviewer1", "edit")] + [("reviewer1", "sign")] * 2
            + [("reviewer2", "sign")] * 4 + [("reviewer3", "sign")] * 4 + [("editor_other", "sign")]
            + [("publisher1", "publish")] * 2)
    assert len(plan) == 16
    tokens = {name: token_for(name) for name in {name for name, _ in plan}}
    barrier = threading.Barrier(len(plan))
    statuses: list[int] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_worker, args=(app, tokens[name], name, role, draft_id, seed, barrier,
                                                      statuses, lock))
               for seed, (name, role) in enumerate(plan)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    db.expire_all()
    _check_level_order(db)
    return statuses, _check_publications(db)


def test_racing_edits_signoffs_and_publish_never_publish_an_unapproved_version(app, api_as, token_for, db):
    statuses, _ = _race(app, api_as, token_for, db)
    assert statuses
    assert set(statuses) <= ALLOWED, sorted(set(statuses))


def test_after_the_race_the_draft_can_still_be_finished(app, api_as, token_for, db):
    _race(app, api_as, token_for, db)
    draft = db.scalars(select(Draft)).one()
    if draft.status != "published":
        editor = api_as("editor1")
        version = editor.state(draft.id)["version"]
        response = editor.put(f"/drafts/{draft.id}", {"title": "终稿", "body": "本市文化旅游节将如期举办。",
                                                      "base_version": version})
        assert response.status_code == 200
        api_as("reviewer2").approve_level(draft.id, version + 1, 1)
        api_as("reviewer3").approve_level(draft.id, version + 1, 2)
        publish = api_as("publisher1").post(f"/drafts/{draft.id}/publish", {"version": version + 1})
        assert publish.status_code == 200
    db.expire_all()
    assert _check_publications(db) == 1


def _sign_in_pairs(app, token: str, draft_id: int, level: int, pairs: list[tuple[str, ...]]) -> list[int]:
    """Sign each group of gates with simultaneous requests (one thread per gate); the answers' statuses."""
    results: list[int] = []
    lock = threading.Lock()

    def sign(gate: str, barrier: threading.Barrier) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/drafts/{draft_id}/signoffs", headers={"Authorization": f"Bearer {token}"},
                               json={"version": 1, "level": level, "gate": gate, "decision": "approve"})
        with lock:
            results.append(response.status_code)

    for group in pairs:
        barrier = threading.Barrier(len(group))
        threads = [threading.Thread(target=sign, args=(gate, barrier)) for gate in group]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return results


def test_two_gates_of_one_level_signed_at_once_both_succeed(app, api_as, token_for):
    """The loser of the lock race is re-run on fresh state instead of being told to retry."""
    draft_id = api_as("editor1").submitted_draft()
    pairs = [tuple(GATES[i:i + 2]) for i in range(0, len(GATES), 2)]
    assert _sign_in_pairs(app, token_for("reviewer2"), draft_id, 1, pairs) == [201] * len(GATES)
    assert _sign_in_pairs(app, token_for("reviewer3"), draft_id, 2, pairs) == [201] * len(GATES)
    assert api_as("editor1").state(draft_id)["status"] == "approved"
