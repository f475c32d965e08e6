"""Loading term lists: user folders, allow lists, and all-or-nothing failure with file:line."""

import pytest

from reviewer.engine.lexicon import Lexicon, LexiconError
from reviewer.engine.normalize import view

HEADER = "# 测试词库\nterm\tcategory\tgate\tseverity\tsuggestion\tnote\n"


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def find(lexicon, text):
    return lexicon.match(text, view(text, "compact"))


def test_user_tsv_folder_adds_terms_with_their_suggestion(tmp_path):
    write(tmp_path / "mine.tsv", HEADER + "示例禁词\tcommercial\t\t\t删除该词\t本单位规定\n")
    lexicon = Lexicon.load([tmp_path])
    [finding] = [f for f in find(lexicon, "这里有示例禁词。") if f.text == "示例禁词"]
    assert (finding.category, finding.gate, finding.severity) == ("commercial", "policy", "review")
    assert finding.suggestion == "删除该词"


def test_entry_may_override_gate_and_severity(tmp_path):
    write(tmp_path / "mine.tsv", HEADER + "示例禁词\tcommercial\tlegal\tblock\t\t\n")
    [finding] = [f for f in find(Lexicon.load([tmp_path]), "示例禁词") if f.rule == "lexicon.commercial"]
    assert (finding.gate, finding.severity) == ("legal", "block")


def test_plain_txt_file_takes_its_category_from_a_header_line(tmp_path):
    write(tmp_path / "words.txt", "# category: opinion\n示例情绪词\n")
    [finding] = find(Lexicon.load([tmp_path], builtin=False), "示例情绪词")
    assert finding.category == "opinion"


def test_plain_txt_file_named_after_a_category(tmp_path):
    write(tmp_path / "typo.txt", "示例错字词\n")
    [finding] = find(Lexicon.load([tmp_path], builtin=False), "示例错字词")
    assert finding.category == "typo"


def test_allow_phrase_silences_a_term_inside_it(tmp_path):
    write(tmp_path / "old.tsv", HEADER + "旅游局\toutdated_name\t\t\t文化和旅游局\t\n")
    write(tmp_path / "allow.tsv", "term\tnote\n文化和旅游局\t现行名称\n")
    lexicon = Lexicon.load([tmp_path], builtin=False)
    assert find(lexicon, "示例市文化和旅游局发布通知") == []
    assert [f.text for f in find(lexicon, "示例市旅游局发布通知")] == ["旅游局"]


def test_term_is_found_through_disguises(tmp_path):
    write(tmp_path / "c.tsv", HEADER + "加微信\tcommercial\t\t\t\t\n")
    lexicon = Lexicon.load([tmp_path], builtin=False)
    for text in ("加 微 信", "加*微*信", "加\u200b微信", "加微信"):
        [finding] = find(lexicon, f"欢迎{text}咨询")
        assert finding.text == text


def test_shorter_term_inside_longer_term_of_same_category_is_reported_once(tmp_path):
    write(tmp_path / "c.tsv", HEADER + "一带一路\tpolitical_expression\t\t\t\t\n一带一路战略\tpolitical_expression\t\t\t\t\n")
    findings = find(Lexicon.load([tmp_path], builtin=False), "推进一带一路战略")
    assert [f.text for f in findings] == ["一带一路战略"]


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (HEADER + "好词\tcommercial\t\t\t\t\n坏词\tnosuch\t\t\t\t\n", 4, "未知类别"),
        (HEADER + "坏词\tcommercial\tnogate\t\t\t\n", 3, "gate"),
        (HEADER + "坏词\tcommercial\t\tfatal\t\t\n", 3, "severity"),
        (HEADER + "坏\tcommercial\t\t\t\t\n", 3, "少于两个字符"),
        (HEADER + "坏词\tcommercial\t\t\t\t\t多余\n", 3, "列数过多"),
        ("term\tkind\n坏词\tx\n", 1, "表头"),
    ],
)
def test_bad_line_is_reported_with_file_and_line(tmp_path, content, line, reason):
    path = write(tmp_path / "bad.tsv", content)
    with pytest.raises(LexiconError) as err:
        Lexicon.load([tmp_path], builtin=False)
    assert str(err.value).startswith(f"{path}:{line}:")
    assert reason in str(err.value)


def test_non_utf8_file_is_refused_with_its_name(tmp_path):
    (tmp_path / "gbk.tsv").write_bytes(HEADER.encode("gbk") + "坏词\tcommercial\t\t\t\t\n".encode("gbk"))
    with pytest.raises(LexiconError, match="gbk.tsv:1: 文件不是 UTF-8"):
        Lexicon.load([tmp_path], builtin=False)


def test_one_bad_file_loads_nothing_at_all(tmp_path):
    write(tmp_path / "a_good.tsv", HEADER + "示例好词\tcommercial\t\t\t\t\n")
    write(tmp_path / "b_bad.tsv", HEADER + "示例坏词\tnosuch\t\t\t\t\n")
    with pytest.raises(LexiconError):
        Lexicon.load([tmp_path])


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(LexiconError, match="词库目录不存在"):
        Lexicon.load([tmp_path / "absent"])


def test_shipped_lexicons_load():
    lexicon = Lexicon.load()
    categories = {e.category for e in lexicon.entries}
    assert {"commercial", "political_expression", "outdated_name", "typo", "illegal", "opinion",
            "restricted_topic", "secret_marking"} <= categories


def test_fingerprint_changes_when_an_entry_changes_and_only_then(tmp_path):
    write(tmp_path / "mine.tsv", HEADER + "示例禁词\tcommercial\t\t\t删除该词\t\n")
    first = Lexicon.load([tmp_path], builtin=False).fingerprint()
    assert Lexicon.load([tmp_path], builtin=False).fingerprint() == first
    write(tmp_path / "mine.tsv", HEADER + "示例禁词\tcommercial\t\t\t改写该词\t\n")
    assert Lexicon.load([tmp_path], builtin=False).fingerprint() != first
