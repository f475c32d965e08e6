"""A unit's own lexicon applies to its accounts and those below it, never to a sibling unit's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviewer.config import load_settings
from reviewer.engine.core import Engine

HEADER = "term\tcategory\tgate\tseverity\tsuggestion\tnote\n"


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Engine:
    units = tmp_path_factory.mktemp("units")
    (units / "7").mkdir()
    (units / "7" / "local.tsv").write_text(HEADER + "东关小吃街\tcommercial\t\t\t\t本区常被引流的商户\n", encoding="utf-8")
    (units / "7" / "allow.txt").write_text("加微信群\n", encoding="utf-8")
    return Engine.from_settings(replace(load_settings(), unit_lexicon_dir=units), classifier=False)


def rules(engine: Engine, text: str, units: tuple[str, ...]) -> list[str]:
    return [f.rule for f in engine.review(text, classify=False, units=units).findings]


def test_a_units_term_fires_for_its_accounts(review):
    assert "lexicon.commercial" in rules(review, "周末去东关小吃街逛逛", ("1", "7"))


def test_a_units_term_does_not_fire_for_a_sibling_unit(review):
    assert "lexicon.commercial" not in rules(review, "周末去东关小吃街逛逛", ("1", "8"))


def test_a_units_term_does_not_fire_without_an_account(review):
    assert "lexicon.commercial" not in rules(review, "周末去东关小吃街逛逛", ())


def test_a_units_allow_phrase_silences_a_shared_term_for_that_unit_only(review):
    text = "扫码加微信群领取防诈资料"
    assert "lexicon.commercial" not in rules(review, text, ("7",))
    assert "lexicon.commercial" in rules(review, text, ("8",))


def test_the_entry_names_the_units_folder_as_its_origin(review):
    entry = next(e for e in review.lexicon.entries if e.term == "东关小吃街")
    assert (entry.scope, entry.origin) == ("7", "7/local.tsv:2")


def test_a_units_entries_change_the_fingerprint(review):
    plain = Engine.from_settings(load_settings(), classifier=False)
    assert plain.lexicon.fingerprint() != review.lexicon.fingerprint()


@pytest.fixture
def unit_services(settings, engine, tmp_path):
    """The app's services with a units folder holding the 文旅局's own term."""
    from sqlalchemy import select

    from reviewer.bootstrap import bootstrap
    from reviewer.storage import Unit

    units = tmp_path / "unit-lexicons"
    services = bootstrap(replace(settings, unit_lexicon_dir=units, classifier_enabled=False), database=engine)
    with services.session_factory() as session:
        culture = session.scalar(select(Unit.id).where(Unit.name == "示例市文化和旅游局"))
    (units / str(culture)).mkdir(parents=True)
    (units / str(culture) / "local.tsv").write_text(HEADER + "东关小吃街\tcommercial\t\t\t\t\n", encoding="utf-8")
    return services


def draft_rules(services, account_name: str) -> list[str]:
    from sqlalchemy import select

    from reviewer import workflow
    from reviewer.storage import Account, User

    with services.session_factory() as session:
        editor = session.scalar(select(User).where(User.username == "editor1"))
        account = session.scalar(select(Account).where(Account.name == account_name))
        found = workflow.check_text(session, editor, account.id, None, "周末去东关小吃街逛逛。", "post")  # as saving checks
        return [f.rule for f in found.reports["body"].findings]


def test_a_units_term_fires_on_a_draft_of_its_account_and_not_on_a_sibling_units(unit_services):
    assert "lexicon.commercial" in draft_rules(unit_services, "示例文旅")
    assert "lexicon.commercial" not in draft_rules(unit_services, "示例税务")
