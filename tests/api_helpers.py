"""Small helpers for driving the JSON API in tests: a client bound to one user's token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewer.vocabulary import GATES

CLEAN_BODY = "本市将于国庆期间在人民公园举办文化旅游节，设有非遗展示、文创市集等活动，欢迎广大市民游客参加。"
BLOCK_BODY = "记者从会上获悉，台湾总统选举结果公布后，本市文旅市场保持平稳，节日期间接待游客同比增长。"


def block_finding(state: dict) -> int:
    """The id of the first block-severity finding of a draft's current version."""
    return next(f["id"] for f in state["findings"] if f["severity"] == "block")


@dataclass
class Api:
    """The test client acting as one user through a bearer token."""

    client: Any
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self._headers(), **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self._headers(), **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.put(f"/api/v1{path}", json=body, headers=self._headers(), **kw)

    def account_id(self, name: str) -> int:
        accounts = self.get("/accounts").get_json()
        return next(a["id"] for a in accounts if a["name"] == name)

    def new_draft(self, account: str = "示例文旅", body: str = CLEAN_BODY, title: str = "国庆文化旅游节活动预告",
                  kind: str = "post") -> int:
        response = self.post("/drafts", {"account_id": self.account_id(account), "title": title, "body": body,
                                         "kind": kind})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def submitted_draft(self, account: str = "示例文旅", body: str = CLEAN_BODY) -> int:
        draft_id = self.new_draft(account, body)
        response = self.post(f"/drafts/{draft_id}/submit")
        assert response.status_code == 200, response.get_json()
        return draft_id

    def sign(self, draft_id: int, version: int, level: int, gate: str, decision: str = "approve",
             comment: str | None = None, overrides: dict | None = None) -> Any:
        body: dict[str, Any] = {"version": version, "level": level, "gate": gate, "decision": decision}
        if comment is not None:
            body["comment"] = comment
        if overrides is not None:
            body["overrides"] = overrides
        return self.post(f"/drafts/{draft_id}/signoffs", body)

    def approve_level(self, draft_id: int, version: int, level: int, overrides: dict | None = None) -> None:
        for gate in GATES:
            response = self.sign(draft_id, version, level, gate, overrides=overrides if gate == "political" else None)
            assert response.status_code == 201, response.get_json()

    def state(self, draft_id: int) -> dict:
        response = self.get(f"/drafts/{draft_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()
