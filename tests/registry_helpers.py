"""Shared arrangements of the register tests: an account put on the register through the domain."""

from __future__ import annotations

from reviewer.admin import register


def registered(db, name: str = "示例市场监管", state: str = "live", **values) -> int:
    """An account of 示例市税务局 on the register (committed); returns its id."""
    account = register.register_account(db, {"name": name, "platform": "微信", "unit": "示例市税务局",
                                              "state": state, **values}, actor_name="test")
    db.commit()
    return account.id
