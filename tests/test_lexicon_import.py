"""A large import is checked and stored in bulk: the terms' compact keys worked out at once are
those worked out one by one, the stored entries come back in the file's order with their ids, and
the one audit entry lists them."""

from __future__ import annotations

from sqlalchemy import select

from reviewer.audit.chain import AuditEntry
from reviewer.curation import catalog, entries
from reviewer.storage import LexiconEntry, User


def _admin(db) -> User:
    return db.scalar(select(User).where(User.username == "admin1"))


def test_the_compact_keys_of_many_terms_at_once_are_those_of_each_alone():
    terms = ["东关 小吃街", "東關夜市", "加　微　信", "１２３４５６", "面积100㎡以上", "ＡＢＣ小店", "西关·夜市", "南关"]
    assert entries.compact_keys(terms) == {t: entries.compact_key(t) for t in terms}


def test_an_import_returns_its_entries_in_the_files_order_with_their_ids(db):
    stored = catalog.apply_import(db, _admin(db), "西关夜市\n东关小吃街\n南关早市\n", category="commercial")
    db.commit()
    assert [e.term for e in stored.first] == ["西关夜市", "东关小吃街", "南关早市"]
    ids = dict(db.execute(select(LexiconEntry.term, LexiconEntry.id)).all())
    assert [e.id for e in stored.first] == [ids[e.term] for e in stored.first]


def test_an_import_is_one_audit_entry_listing_what_it_stored(db):
    before = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
    catalog.apply_import(db, _admin(db), "term\tcategory\tseverity\n西关夜市\tcommercial\tblock\n东关小吃街\tcommercial\t\n")
    db.commit()
    added = db.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert [a.event for a in added] == ["lexicon.import"]
    after = added[0].details_dict["after"]
    assert [(e["term"], e["severity"], e["enabled"]) for e in after] == [("西关夜市", "block", True), ("东关小吃街", None, True)]
    assert all(isinstance(e["id"], int) for e in after)


def test_an_import_names_every_bad_line_in_the_files_order(db):
    checked = catalog.preview(db, _admin(db), "term\tcategory\n西关夜市\tnope\n东关\t\n南关早市\tcommercial\textra\n",
                              category="commercial")
    assert [n for n, _ in checked.errors] == [2, 4]


def test_a_large_import_keeps_rows_only_for_the_entries_its_audit_entry_lists(db, monkeypatch):
    monkeypatch.setattr(catalog, "AUDITED_ROWS", 2)
    stored = catalog.apply_import(db, _admin(db), "西关夜市\n东关小吃街\n南关早市\n", category="commercial")
    db.commit()
    assert stored.count == 3
    assert [e.term for e in stored.first] == ["西关夜市", "东关小吃街"]
    listed = db.scalars(select(AuditEntry).where(AuditEntry.event == "lexicon.import")).one().details_dict
    assert [e["term"] for e in listed["after"]] == ["西关夜市", "东关小吃街"] and listed["lines"] == 3
