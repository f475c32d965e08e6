"""A unit's leaders beside a wrong title are a political-gate finding; the right title and other names are not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviewer.config import load_settings
from reviewer.engine.core import Engine
from reviewer.engine.lexicon import LexiconError


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    folder = tmp_path_factory.mktemp("unit")
    (folder / "leaders.tsv").write_text("name\ttitles\tnote\n张建国\t县长\t\n李红梅\t县委副书记、副县长\t\n", encoding="utf-8")
    return Engine.from_settings(replace(load_settings(), lexicon_dirs=(folder,)), classifier=False)


def titles(engine: Engine, text: str) -> list[tuple[str, str | None]]:
    return [(f.text, f.suggestion) for f in engine.review(text).findings if f.category == "leader_title"]


def test_a_deputy_title_before_the_county_heads_name_is_flagged_with_the_right_title(engine):
    assert titles(engine, "副县长张建国出席会议并讲话。") == [("副县长张建国", "张建国的职务应为“县长”")]


def test_the_head_title_for_a_deputy_is_flagged_too(engine):
    [(text, suggestion)] = titles(engine, "李红梅县长带队检查安全生产。")
    assert text == "李红梅县长" and "副县长" in suggestion


def test_the_right_titles_are_clean(engine):
    assert titles(engine, "县长张建国、副县长李红梅出席会议。县委副书记李红梅主持。") == []


def test_a_name_not_on_the_list_is_not_judged(engine):
    assert titles(engine, "副县长王小明出席会议。") == []


def test_the_finding_is_at_the_political_gate(engine):
    [finding] = [f for f in engine.review("副县长张建国出席会议。").findings if f.category == "leader_title"]
    assert (finding.gate, finding.severity) == ("political", "review")


def test_a_title_not_in_the_title_list_is_refused_with_its_line(tmp_path):
    (tmp_path / "leaders.tsv").write_text("name\ttitles\tnote\n张建国\t县太爷\t\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"leaders.tsv:2: 职务“县太爷”不在职务表中"):
        Engine.from_settings(replace(load_settings(), lexicon_dirs=(tmp_path,)), classifier=False)
