"""A unit's own lexicon applies to its accounts and those below it, never to a sibling unit's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviewer.config import load_settings
from reviewer.engine.core import Engine

HEADER = "term\tcategory\tgate\tseverity\tsuggestion\tnote\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    units = tmp_path_factory.mktemp("units")
    (units / "7").mkdir()
    (units / "7" / "local.tsv").write_text(HEADER + "东关小吃街\tcommercial\t\t\t\t本区常被引流的商户\n", encoding="utf-8")
    (units / "7" / "allow.txt").write_text("加微信群\n", encoding="utf-8")
    return Engine.from_settings(replace(load_settings(), unit_lexicon_dir=units), classifier=False)


def rules(engine: Engine, text: str, units: tuple[str, ...]) -> list[str]:
    return [f.rule for f in engine.review(text, classify=False, units=units).findings]


def test_a_units_term_fires_for_its_accounts(engine):
    assert "lexicon.commercial" in rules(engine, "周末去东关小吃街逛逛", ("1", "7"))


def test_a_units_term_does_not_fire_for_a_sibling_unit(engine):
    assert "lexicon.commercial" not in rules(engine, "周末去东关小吃街逛逛", ("1", "8"))


def test_a_units_term_does_not_fire_without_an_account(engine):
    assert "lexicon.commercial" not in rules(engine, "周末去东关小吃街逛逛", ())


def test_a_units_allow_phrase_silences_a_shared_term_for_that_unit_only(engine):
    text = "扫码加微信群领取防诈资料"
    assert "lexicon.commercial" not in rules(engine, text, ("7",))
    assert "lexicon.commercial" in rules(engine, text, ("8",))


def test_the_entry_names_the_units_folder_as_its_origin(engine):
    entry = next(e for e in engine.lexicon.entries if e.term == "东关小吃街")
    assert (entry.scope, entry.origin) == ("7", "7/local.tsv:2")


def test_a_units_entries_change_the_fingerprint(engine):
    plain = Engine.from_settings(load_settings(), classifier=False)
    assert plain.lexicon.fingerprint() != engine.lexicon.fingerprint()
