"""The database's lexicon laid over the files': a term nested in a longer one of its family is
reported once whichever lexicon holds each, a large overlay spread over several automata finds
exactly what one automaton finds, and a replaced overlay is freed once no request holds it."""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import replace

import pytest

from reviewer import bootstrap
from reviewer.config import load_settings
from reviewer.engine import overlay
from reviewer.engine.core import Engine, load_engine
from reviewer.engine.normalize import view


@pytest.fixture(scope="module")
def files() -> Engine:
    return load_engine(replace(load_settings(), classifier_enabled=False))


def _row(n: int, term: str, family: str | None = "outdated_name", kind: str = "term", unit_id: int | None = None) -> dict:
    return {"id": n, "kind": kind, "family": family, "key": view(term).text, "term": term, "gate": None,
            "severity": None, "suggestion": None, "note": None, "unit_id": unit_id}


def _with(files: Engine, rows: list[dict]) -> Engine:
    return replace(files, overlay=overlay.build(1, rows, files.categories, files.lexicon))


def _found(engine: Engine, text: str, units: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return sorted((f.text, f.category) for f in engine.review(text, classify=False, units=units).findings
                  if f.source == "lexicon")


def test_a_database_term_inside_a_longer_shipped_term_of_its_family_is_reported_once(files):
    engine = _with(files, [_row(1, "技术监督")])
    assert _found(engine, "请联系质量技术监督局办理") == [("质量技术监督局", "outdated_name")]


def test_a_shipped_term_inside_a_longer_database_term_of_its_family_is_reported_once(files):
    engine = _with(files, [_row(1, "省质量技术监督局城西分局")])
    assert _found(engine, "请联系省质量技术监督局城西分局办理") == [("省质量技术监督局城西分局", "outdated_name")]


def test_a_database_term_inside_a_shipped_term_of_another_family_is_reported_too(files):
    engine = _with(files, [_row(1, "技术监督", "restricted_topic")])
    assert _found(engine, "请联系质量技术监督局办理") == [("技术监督", "restricted_topic"), ("质量技术监督局", "outdated_name")]


ROWS = [
    _row(1, "西关夜市管理处"), _row(2, "关夜市管"), _row(3, "南关早市"), _row(4, "北关城楼"),
    _row(5, "东关小吃街", "commercial"), _row(6, "东关小吃", "commercial"), _row(7, "旅游局", "typo"),
    _row(8, "城南菜场管理处", unit_id=7), _row(9, "菜场管理", unit_id=7), _row(10, "南关早市场", None, "allow"),
    _row(11, "北关城楼", "restricted_topic"), _row(12, "城南菜场管理处", None, "allow", unit_id=8),
]
TEXT = "西关夜市管理处通知：南关早市场和北关城楼照常开放，东关小吃街、文化和旅游局、城南菜场管理处也在。"


@pytest.mark.parametrize("units", [(), ("7",), ("8",), ("7", "8")])
def test_an_overlay_spread_over_several_automata_finds_what_one_finds(files, monkeypatch, units):
    single = _with(files, ROWS)
    monkeypatch.setattr(overlay, "SHARD_CHARS", 8)
    sharded = _with(files, ROWS)
    assert len(sharded.overlay.lexicon._automata) > 3 and len(single.overlay.lexicon._automata) == 1
    assert _found(sharded, TEXT, units) == _found(single, TEXT, units)
    compact = view(TEXT).text
    assert ([(s, e, t, len(en)) for s, e, t, en in sharded.overlay.lexicon.hits(compact)]
            == [(s, e, t, len(en)) for s, e, t, en in single.overlay.lexicon.hits(compact)])


def test_each_allow_phrase_silences_the_terms_of_every_automaton(files, monkeypatch):
    monkeypatch.setattr(overlay, "SHARD_CHARS", 8)
    found = _found(_with(files, ROWS), TEXT, ("7",))
    assert ("南关早市", "outdated_name") not in found  # the database's 南关早市场
    assert ("旅游局", "typo") not in found  # the files' 和旅游局
    assert ("菜场管理", "outdated_name") not in found and ("城南菜场管理处", "outdated_name") in found


def test_a_replaced_overlay_is_freed_once_no_request_holds_it(files, monkeypatch):
    monkeypatch.setattr(overlay, "SHARD_CHARS", 8)
    engine = _with(files, ROWS)
    part = weakref.ref(engine.overlay.lexicon)
    releasing = threading.Thread(target=bootstrap._release, args=([engine],), kwargs={"every": 0})
    releasing.start()
    releasing.join(0.2)
    assert releasing.is_alive() and part() is not None  # a request still holds the engine
    del engine
    releasing.join(5)
    assert not releasing.is_alive() and part() is None


def test_a_large_overlay_built_aside_is_frozen_out_of_collections(services, db, monkeypatch):
    from reviewer.curation import catalog
    from reviewer.storage import User

    monkeypatch.setattr(type(services.review_engine), "SYNC_ROWS", 1)
    admin = db.query(User).filter_by(username="admin1").one()
    bootstrap.review_engine(db)
    catalog.apply_import(db, admin, "东关小吃街\n西关夜市\n", category="commercial")
    db.commit()
    frozen = gc.get_freeze_count()
    bootstrap.review_engine(db)
    building = services.review_engine._building
    if building is not None:
        building.join(60)
    assert gc.isenabled() and gc.get_freeze_count() > frozen
    assert "西关夜市" in [f.text for f in bootstrap.review_engine(db).review("晚上去西关夜市", classify=False).findings]
