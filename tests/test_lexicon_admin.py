"""Lexicon entries kept in the database: they fire on the next check, a shipped term can be switched
off for good, imports are all or nothing, every change bumps the version and is audited, and a
unit's entries (its leaders' titles too) apply to its accounts only."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from webclient import post_form, sign_in

from reviewer.audit.chain import AuditEntry
from reviewer.bootstrap import review_engine
from reviewer.curation import catalog, entries
from reviewer.storage import FindingRow, LexiconEntry, Unit, User
from reviewer.storage.lexicon_tables import lexicon_version
from reviewer.workflow.checking import review_fields

NEW_TERM = "东关小吃街"
TEXT = f"周末去{NEW_TERM}逛逛，顺便看看文化节。"


def _admin(db) -> User:
    return db.scalar(select(User).where(User.username == "admin1"))


def _unit(db, name: str) -> int:
    return db.scalar(select(Unit.id).where(Unit.name == name))


def _fires(db, text: str, units: tuple[str, ...] = ()) -> list[str]:
    return [f.text for f in review_fields(db, {"body": text}, "post", None, units).reports["body"].findings]


def test_a_term_added_fires_on_the_next_check(db):
    assert NEW_TERM not in _fires(db, TEXT)
    entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial", "note": "本区常被引流的商户"})
    db.commit()
    assert NEW_TERM in _fires(db, TEXT)


def test_every_change_bumps_the_version_and_is_audited_with_before_and_after(db):
    entry = entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial"})
    entries.update_entry(db, _admin(db), entry.id, {"severity": "block"})
    db.commit()
    assert lexicon_version(db) == 2
    last = db.scalars(select(AuditEntry).where(AuditEntry.event == "lexicon.entry").order_by(AuditEntry.seq.desc())).first()
    assert last.details_dict["before"]["severity"] is None
    assert last.details_dict["after"]["severity"] == "block"


def test_a_disabled_shipped_term_stops_firing(db):
    assert "加微信" in _fires(db, "有问题请加微信联系我们")
    shipped = next(e for e in review_engine(db).lexicon.entries if e.term == "加微信")
    entries.disable_shipped(db, _admin(db), shipped.category, "加微信")
    db.commit()
    assert "加微信" not in _fires(db, "有问题请加微信联系我们")


def test_a_disabled_shipped_term_stays_disabled_when_the_shipped_lists_change(settings, engine, tmp_path):
    from dataclasses import replace

    from reviewer.bootstrap import bootstrap

    folder = tmp_path / "lists"
    folder.mkdir()
    header = "term\tcategory\tgate\tseverity\tsuggestion\tnote\n"
    (folder / "local.tsv").write_text(header + "西关夜市\tcommercial\t\t\t\t\n", encoding="utf-8")
    services = bootstrap(replace(settings, lexicon_dirs=(folder,), classifier_enabled=False), database=engine)
    with services.session_factory() as db:
        assert "西关夜市" in _fires(db, "晚上去西关夜市")
        entries.disable_shipped(db, _admin(db), "commercial", "西关夜市")
        db.commit()
        assert "西关夜市" not in _fires(db, "晚上去西关夜市")
        (folder / "local.tsv").write_text(header + "西关夜市\tcommercial\t\t\t\t升级后的说明\n"
                                          "南关早市\tcommercial\t\t\t\t\n", encoding="utf-8")
        swaps = services.review_engine.swaps
        deadline = time.monotonic() + 60
        while services.review_engine.swaps == swaps and time.monotonic() < deadline:  # the lists upgraded under the service
            _fires(db, "预热")
            time.sleep(0.2)
        services.review_engine.wait()
        assert "南关早市" in _fires(db, "早上去南关早市")
        assert "西关夜市" not in _fires(db, "晚上去西关夜市")


def test_a_units_term_fires_for_its_accounts_and_not_a_sibling_units(db):
    tourism, police = _unit(db, "示例市文化和旅游局"), _unit(db, "示例市公安局")
    entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial", "unit_id": tourism})
    db.commit()
    city = _unit(db, "示例市人民政府办公室")
    assert NEW_TERM in _fires(db, TEXT, (str(tourism), str(city)))
    assert NEW_TERM not in _fires(db, TEXT, (str(police), str(city)))


def test_a_wrong_title_next_to_a_units_leader_is_a_political_finding(db):
    county = _unit(db, "示例市文化和旅游局")
    entries.add_entry(db, _admin(db), {"term": "张三", "category": "leader_title", "suggestion": "局长", "unit_id": county})
    db.commit()
    report = review_fields(db, {"body": "副局长张三出席了活动。"}, "post", None, (str(county),)).reports["body"]
    found = [f for f in report.findings if f.category == "leader_title"]
    assert found and found[0].gate == "political" and "局长" in found[0].suggestion
    other = review_fields(db, {"body": "副局长张三出席了活动。"}, "post", None, (str(_unit(db, "示例市公安局")),))
    assert not [f for f in other.reports["body"].findings if f.category == "leader_title"]


def test_a_units_entry_cannot_be_added_by_an_admin_of_other_units(db):
    neighbour = _unit(db, "邻县人民政府办公室")
    with pytest.raises(entries.LexiconInputError) as refused:
        entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial", "unit_id": neighbour})
    assert refused.value.code == "unknown_unit"


def test_an_import_with_one_bad_line_applies_nothing_and_names_the_line(db):
    text = ("term\tcategory\tgate\tseverity\tsuggestion\tnote\n"
            "东关小吃街\tcommercial\t\t\t\t\n"
            "西关夜市\tno_such_family\t\t\t\t\n"
            "南关早市\tcommercial\t\t\t\t\n")
    with pytest.raises(entries.LexiconInputError) as refused:
        catalog.apply_import(db, _admin(db), text)
    assert refused.value.code == "import_invalid"
    assert "第 3 行" in refused.value.message
    db.rollback()
    assert db.scalar(select(LexiconEntry.id)) is None
    assert lexicon_version(db) == 0


def test_an_import_of_one_term_per_line_stores_them_all_at_once(db):
    stored = catalog.apply_import(db, _admin(db), "东关小吃街\n西关夜市\n", category="commercial")
    db.commit()
    assert stored.count == 2 and [e.term for e in stored.first] == ["东关小吃街", "西关夜市"]
    assert lexicon_version(db) == 1
    assert "西关夜市" in _fires(db, "晚上去西关夜市")


def test_an_export_reads_back_as_an_import(db):
    entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial"})
    db.commit()
    tsv = catalog.export_tsv(catalog.search(db, _admin(db), catalog.Filters(source="deployment")))
    entries.set_enabled(db, _admin(db), db.scalar(select(LexiconEntry.id)), False)
    checked = catalog.preview(db, _admin(db), tsv)
    assert checked.ok and [v["term"] for _, v in checked.entries] == [NEW_TERM]


def test_a_database_allow_phrase_silences_a_shipped_term(db):
    assert "旅游局" in _fires(db, "市旅游局发布通知")
    entries.add_entry(db, _admin(db), {"term": "市旅游局发布", "kind": "allow"})
    db.commit()
    assert "旅游局" not in _fires(db, "市旅游局发布通知")


def test_a_stored_finding_records_the_lexicon_version_it_was_found_with(db, editor):
    entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial"})
    db.commit()
    editor.new_draft(body=TEXT)
    db.expire_all()
    row = db.scalars(select(FindingRow).where(FindingRow.text == NEW_TERM)).first()
    assert row is not None and row.lexicon_version == 1


def test_the_admin_page_adds_a_term_and_a_bad_one_keeps_the_input(client, db):
    sign_in(client, db, "admin1")
    ok = post_form(client, "/admin/lexicon/entries", {"term": NEW_TERM, "category": "commercial"})
    assert ok.status_code == 302
    bad = post_form(client, "/admin/lexicon/entries", {"term": "西关夜市", "category": "nope"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 404 and "未知类别" in html and 'value="西关夜市"' in html


def test_the_test_a_term_page_says_which_entry_fired_and_what_normalization_did(client, db):
    sign_in(client, db, "admin1")
    entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial"})
    db.commit()
    html = post_form(client, "/admin/lexicon/test", {"text": "周末去東關 小吃街逛逛"}, "/admin/lexicon/test").get_data(as_text=True)
    assert "词库管理#" in html and "繁体或异体" in html and "报出" in html


def test_the_api_adds_edits_and_switches_off_an_entry(api_as, db):
    admin = api_as("admin1")
    created = admin.post("/lexicon/entries", {"term": NEW_TERM, "category": "commercial"})
    assert created.status_code == 201
    entry_id = created.get_json()["id"]
    assert admin.put(f"/lexicon/entries/{entry_id}", {"severity": "block"}).get_json()["severity"] == "block"
    gone = admin.client.delete(f"/api/v1/lexicon/entries/{entry_id}", headers=admin._headers())
    assert gone.status_code == 200 and gone.get_json()["enabled"] is False
    listed = admin.get("/lexicon/entries?source=deployment").get_json()
    assert listed["total"] == 1


def test_the_api_refuses_a_bad_entry_in_chinese_with_a_stable_code(api_as):
    answer = api_as("admin1").post("/lexicon/entries", {"term": "东关小吃街", "category": "no_such"})
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "unknown_category" and "未知类别" in answer.get_json()["message"]


def test_the_api_is_for_admins_only(api_as):
    assert api_as("editor1").get("/lexicon/entries").status_code == 403


def test_the_edit_page_changes_an_entry_and_the_list_shows_it(client, db):
    sign_in(client, db, "admin1")
    entry = entries.add_entry(db, _admin(db), {"term": NEW_TERM, "category": "commercial"})
    db.commit()
    assert NEW_TERM in client.get(f"/admin/lexicon/entries/{entry.id}").get_data(as_text=True)
    saved = post_form(client, f"/admin/lexicon/entries/{entry.id}",
                      {"term": NEW_TERM, "category": "commercial", "severity": "block", "note": "已核实"})
    assert saved.status_code == 302
    listing = client.get("/admin/lexicon?source=deployment").get_data(as_text=True)
    assert "已核实" in listing and "禁止发布" in listing


def test_an_import_in_the_page_previews_line_errors_and_stores_nothing(client, db):
    sign_in(client, db, "admin1")
    answer = post_form(client, "/admin/lexicon/import", {"text": "term\tcategory\n西关夜市\tcommercial\n南关\tnope\n",
                                                          "action": "apply"}, "/admin/lexicon/import")
    assert answer.status_code == 422 and "第 3 行" in answer.get_data(as_text=True)
    assert db.scalar(select(LexiconEntry.id)) is None


def test_the_command_line_adds_lists_and_refuses_a_bad_import_naming_the_line(cli, tmp_path):
    added = cli("lexicon", "add", NEW_TERM, "--as", "admin1", "--category", "commercial")
    assert added.exit_code == 0, added.output
    listed = cli("lexicon", "list", "--as", "admin1", "--source", "deployment")
    assert NEW_TERM in listed.output
    bad = tmp_path / "bad.tsv"
    bad.write_text("term\tcategory\n西关夜市\tcommercial\n南关\tnope\n", encoding="utf-8")
    refused = cli("lexicon", "import", str(bad), "--as", "admin1")
    assert refused.exit_code != 0 and "bad.tsv:3" in refused.output
    assert "西关夜市" not in cli("lexicon", "list", "--as", "admin1", "--source", "deployment").output


def test_a_large_database_lexicon_is_built_aside_while_checks_go_on_with_the_previous_one(db, services, monkeypatch):
    monkeypatch.setattr(type(services.review_engine), "SYNC_ROWS", 1)
    assert NEW_TERM not in _fires(db, TEXT)
    catalog.apply_import(db, _admin(db), f"{NEW_TERM}\n西关夜市\n", category="commercial")
    db.commit()
    assert NEW_TERM not in _fires(db, TEXT)  # this check starts the build and goes on with the previous engine
    building = services.review_engine._building
    if building is not None:
        building.join(60)
    assert NEW_TERM in _fires(db, TEXT)
