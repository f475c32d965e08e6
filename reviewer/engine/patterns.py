"""Pattern rules: what a word list cannot see — numbers with check digits, addresses, markings, dates.

Each rule names the normalized view it reads (see normalize.py), a regular expression and, where
a match alone is not proof, a check (the GB 11643 check digit of an ID number, the Luhn digit of a
bank card, the domain of a URL against the allow list). Lists of domains and codes are data, in
``lexicons/patterns.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from reviewer.engine import brackets, offers
from reviewer.engine.checksums import luhn_valid, pattern_data, valid_date, valid_id15, valid_id18
from reviewer.engine.findings import Finding
from reviewer.engine.lexicon import Category
from reviewer.engine.normalize import View


@dataclass(frozen=True)
class Context:
    """What a check may consult besides the match: the allowed URL domains."""

    allowed_domains: tuple[str, ...]


def domain_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Is ``host`` one of the allowed domains or a subdomain of one?"""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in allowed)


Check = Callable[[re.Match, Context], "str | None | bool"]
Gate = Callable[[View], bool]
Finder = Callable[[str], Iterator[re.Match]]

def _mask(chars: str) -> np.ndarray:
    mask = np.zeros(0x110000, dtype=bool)
    mask[[ord(c) for c in chars]] = True
    return mask


def digit_run(length: int) -> Gate:
    """A gate: the view holds a run of at least ``length`` ASCII digits (vectorised, no regex)."""
    return lambda v: v.has_digit_run(length)


def contains(*literals: str) -> Gate:
    """A gate: the view contains one of these strings (C-speed substring search)."""

    def gate(v: View) -> bool:
        text = v.text
        for literal in literals:  # noqa: SIM110 (a loop, not any() over a generator: a gate runs on every text)
            if literal in text:
                return True
        return False

    return gate


def adjacent(chars: str) -> Gate:
    """A gate: two characters of ``chars`` stand next to each other."""
    mask = _mask(chars)

    def gate(v: View) -> bool:
        hit = mask[v.codes]
        return bool((hit[:-1] & hit[1:]).any())

    return gate


_DOT_LETTER = re.compile(r"\.[a-z]")


def _url_gate(v: View) -> bool:
    """URLs need a scheme, www or a dot before a letter; most posts have none."""
    return "http" in v.text or "www" in v.text or _DOT_LETTER.search(v.text) is not None


@dataclass(frozen=True)
class PatternRule:
    """A regular expression over one view, with an optional check that may veto or re-label it.

    A check returns False to veto, True to keep, or a rule name to report the match under
    another rule of this module (a URL that turns out to be a short link).
    """

    name: str
    category: str
    view: str
    regex: re.Pattern
    suggestion: str | None
    note: str
    check: Check | None = None
    group: int = 0
    gate: Gate | None = None  # a cheap test that must pass before the regex is run at all
    finder: Finder | None = None  # finds matches from literal anchors instead of scanning every position


def _check_id18(m: re.Match, ctx: Context) -> bool:
    return valid_id18(m.group(1))


def _check_id15(m: re.Match, ctx: Context) -> bool:
    return valid_id15(m.group(1))


def _check_card(m: re.Match, ctx: Context) -> bool:
    return luhn_valid(m.group(1))


def _check_email(m: re.Match, ctx: Context) -> bool:
    return m.group(2).lower() in pattern_data()["personal_mail_domains"]


_HOST = re.compile(r"^(?:https?://)?([^/:?#\s]+)", re.I)


def _check_url(m: re.Match, ctx: Context) -> str | bool:
    host = _HOST.match(m.group(0))
    if host is None:
        return False
    name = host.group(1).lower()
    if name in pattern_data()["short_link_domains"]:
        return "commercial.short_link"
    return not domain_allowed(name, ctx.allowed_domains)


def _check_date(m: re.Match, ctx: Context) -> bool:
    year = int(m.group("y")) if m.group("y") else 2024  # without a year, 2月29日 is possible
    month, day = int(m.group("m")), int(m.group("d"))
    return not valid_date(year, month, day) if 1 <= month <= 12 else True


def _tlds() -> str:
    return "|".join(sorted(pattern_data()["bare_url_tlds"], key=len, reverse=True))


_URL_TAIL = r"[^\s<>\"'()\[\]{}，。；、！？（）【】《》“”]*"
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_EMAIL_CHARS = frozenset("@_%+")


@lru_cache(maxsize=1)
def _url_regexes() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    tlds = _tlds()
    anchor = re.compile(rf"https?://|www\.|\.(?:{tlds})(?![a-z0-9-])")
    scheme = re.compile(rf"(?:https?://|www\.){_URL_TAIL}")
    bare = re.compile(rf"(?:[a-z0-9-]+\.)+(?:{tlds})(?![a-z0-9-])(?::\d+)?(?:/{_URL_TAIL})?")
    return anchor, scheme, bare


def find_urls(text: str) -> Iterator[re.Match]:
    """URLs with a scheme or www, and bare domains with a known top-level domain.

    Scanning only from literal anchors (http, www, .com ...) keeps this off the hot path of
    texts without links; a bare domain is walked back from its dot to its first character.
    """
    anchor, scheme, bare = _url_regexes()
    reach = -1
    for hit in anchor.finditer(text):
        if hit.start() < reach:
            continue
        if hit.group()[0] != ".":
            m = scheme.match(text, hit.start())
        else:
            start = hit.start()
            while start > 0 and text[start - 1] in _HOST_CHARS:
                start -= 1
            if start > 0 and (text[start - 1] in _EMAIL_CHARS or text[start - 1] == "/"):
                continue
            m = bare.match(text, start)
        if m is not None and m.end() > m.start():
            reach = m.end()
            yield m


_DATE = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_ISO_ANCHOR = re.compile(r"-\d{1,2}-\d{1,2}(?!\d)")
_ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")


def find_dates(text: str) -> Iterator[re.Match]:
    """Dates written 2024年2月30日 or 2月30日, found from each 月 rather than from every position."""
    for i in _iter_find(text, "月"):
        j = i
        while j > 0 and i - j < 2 and text[j - 1].isdigit():
            j -= 1
        if j == i or (j > 0 and text[j - 1].isdigit()):
            continue
        start = j
        if j >= 5 and text[j - 1] == "年" and text[j - 5:j - 1].isdigit() and not (j > 5 and text[j - 6].isdigit()):
            start = j - 5
        m = _DATE.match(text, start)
        if m is not None:
            yield m


def find_iso_dates(text: str) -> Iterator[re.Match]:
    """Dates written 2023-02-29, found from the dashes."""
    for hit in _ISO_ANCHOR.finditer(text):
        start = hit.start() - 4
        if start < 0 or (start > 0 and (text[start - 1].isdigit() or text[start - 1] == ".")):
            continue
        m = _ISO_DATE.match(text, start)
        if m is not None:
            yield m


def _iter_find(text: str, needle: str) -> Iterator[int]:
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + 1)


_NEVER = re.compile(r"(?!)")
_NONE_SETTLED: Mapping[str, bool] = MappingProxyType({})  # rules that find their matches with a finder scan with nothing
_N = r"(?<![\d第])(?<!\d[.,])(?:\d{1,3}(?:,\d{3})+|\d{1,6}|[〇零一二两三四五六七八九十百千万几数]{1,6})[余多]?"
_FIGURE = re.compile(r"[\d〇零一二两三四五六七八九十百千万几数][余多]?[人名起宗死]")  # how every casualty figure ends
_AHEAD = r"(?:明天|明日|后天|下周[一二三四五六日天]?|下个?月|将于|拟于|计划于|定于)[^。;!?\n]{0,15}?(?:突击检查|突击抽查|突查|暗访|飞行检查)"


@lru_cache(maxsize=1)
def _casualties() -> tuple[re.Pattern, re.Pattern]:
    """Figures of casualties (12人死亡, 3死5伤) and criminal cases (刑拘7人, 破获案件12起), and the words one of them needs."""
    hurt, who, act, sus, kind = ("|".join(map(re.escape, sorted(pattern_data()[k], key=len, reverse=True))) for k in (
        "casualty_outcomes", "casualty_roles", "case_actions", "case_suspects", "case_kinds"))
    return re.compile(
        rf"{_N}[人名](?:{who})?(?:不幸|当场|经抢救无效|抢救无效)?(?:{hurt})|(?:{hurt})(?:人数)?[已共]?(?:为|达到|达|升至|增至|上升至)?{_N}[人名]"
        rf"|{_N}死{_N}伤|(?:{act})了?(?:{sus})?{_N}[人名](?:{sus})?|{_N}[人名](?:{sus})|(?:{sus}){_N}[人名]"
        rf"|(?:破获|侦破|发案|查处|立案)(?:{kind})?(?:案件)?{_N}[起宗](?:(?:{kind})?案件?)?|(?:{kind})案件?{_N}[起宗]|{_N}[起宗](?:{kind})案件?"
    ), re.compile(f"{hurt}|{act}|{sus}|死|案|破获|侦破")


def find_casualties(text: str) -> Iterator[re.Match]:
    """Casualty and case figures, tried only near a numeral + 人/名/起/宗/死 (never a year or a phone number) with a telling word."""
    (figures, words), reach = _casualties(), 0
    for hit in _FIGURE.finditer(text):
        lo, hi = max(reach, hit.start() - 24), hit.end() + 20
        for m in figures.finditer(text, lo, hi) if words.search(text, lo, hi) else ():
            reach = m.end()
            yield m


@lru_cache(maxsize=1)
def rules() -> tuple[PatternRule, ...]:
    """All pattern rules, in priority order: a span claimed by an earlier rule of the same
    category is not reported again by a later one (an ID number is not also a bank card)."""
    return (
        PatternRule(
            "privacy.id_card", "privacy", "digits",
            re.compile(r"(?<![0-9a-z])([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9x])(?![0-9a-z])"),
            "删除身份证号码，确需公示的应按规定隐去中间位（如 1101**********123X）",
            "18位居民身份证号码（校验位正确），属个人隐私", _check_id18, 1, digit_run(17),
        ),
        PatternRule(
            "privacy.id_card", "privacy", "digits",
            re.compile(r"(?<![0-9a-z])([1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9a-z])"),
            "删除身份证号码，确需公示的应按规定隐去中间位",
            "15位居民身份证号码（出生日期有效），属个人隐私", _check_id15, 1, digit_run(15),
        ),
        PatternRule(
            "privacy.bank_card", "privacy", "digits",
            re.compile(r"(?<![0-9])(62\d{14,17}|4\d{15}|5[1-5]\d{14}|3[47]\d{13})(?![0-9])"),
            "删除银行卡号", "银行卡号（Luhn 校验通过），属个人隐私", _check_card, 1, digit_run(15),
        ),
        PatternRule(
            "privacy.mobile", "privacy", "digits",
            re.compile(r"(?<![0-9])(?:0086|86)?(1[3-9]\d{9})(?![0-9])"),
            "删除个人手机号码，改用单位办公电话或服务热线", "个人手机号码，属个人隐私", None, 1, digit_run(11),
        ),
        PatternRule(
            "privacy.email", "privacy", "plain",
            re.compile(r"(?<![a-z0-9._%+-])([a-z0-9._%+-]+)@((?:[a-z0-9-]+\.)+[a-z]{2,})(?![a-z0-9-])"),
            "删除个人邮箱，改用单位公务邮箱", "个人邮箱地址，属个人隐私", _check_email, 0, contains("@"),
        ),
        PatternRule(
            "commercial.url", "commercial", "plain",
            _url_regexes()[0],
            "删除链接，或改用政府网站、官方平台链接", "网址域名不在允许名单内，可能是商业链接", _check_url, 0, _url_gate,
            find_urls,
        ),
        PatternRule(
            "commercial.wechat_id", "commercial", "compact",
            re.compile(r"(?:微信|薇信|威信|徽信|维信|v信|vx|wx|weixin|wechat)(?:号码|号|id)?([a-z][a-z0-9]{5,19})(?![a-z0-9])"),
            "删除个人或商业微信号", "招揽添加微信号，属商业引流", None,
        ),
        PatternRule(
            "commercial.qq_id", "commercial", "digits",
            re.compile(r"(?:qq|扣扣|企鹅)(?:群号|号码|群|号)?:?([1-9]\d{4,11})(?![0-9])"),
            "删除 QQ 号", "招揽添加 QQ 号或 QQ 群，属商业引流", None,
        ),
        PatternRule(offers.RULE, "commercial", "plain", _NEVER, "删除促销、招揽内容",
                    "同一句中出现多类促销要素（折扣、满减、到店、包邮、限时抢购等），属商业广告", None, 1, offers.gate, offers.find_offers),
        PatternRule(
            "secret_marking.classification", "secret_marking", "plain",
            re.compile(r"(?:绝密|机密|秘密)\s*[★☆*]\s*(?:\d+\s*(?:年|个月)|长期|启用前)?"),
            "涉密文件严禁在政务新媒体发布，请撤下并按保密规定处理", "国家秘密密级标志（密级★保密期限）", None, 0,
            contains("★", "☆", "*"),
        ),
        PatternRule(
            "secret_marking.bracket", "secret_marking", "plain",
            re.compile(r"[【\[(〔<《]\s*(?:内部资料|内部文件|内部材料|内部明电|涉密文件|涉密|内部|机密|秘密|绝密|仅供内部参考)\s*[】\])〕>》]"),
            "内部或涉密材料不得公开发布，请撤下并核实", "文件上的内部或涉密标注", None, 0, contains("内部", "密"),
        ),
        PatternRule(
            "secret_marking.header", "secret_marking", "plain",
            re.compile(r"(?m)^[ \t]*(?:内部资料|内部文件|内部材料|涉密文件|涉密材料|内部明电)[ \t]*$"),
            "内部或涉密材料不得公开发布，请撤下并核实", "单独成行的内部或涉密文件标注", None, 0, contains("内部", "涉密"),
        ),
        PatternRule("secret_content.inspection_ahead", "secret_content", "plain", re.compile(_AHEAD), "删除检查的时间、对象等安排，检查结束后再发布结果",
                    "提前公布突击检查、暗访的时间或安排，属未公开的工作秘密", None, 0, contains("突击", "突查", "暗访", "飞行检查")),
        PatternRule("restricted_topic.casualties", "restricted_topic", "plain", _casualties()[0],
                    "确认伤亡、案件数字已获应急、公安等主管部门或本单位同意", "灾情/案件数据需经单位同意后发布", None, 0, None, find_casualties),
        PatternRule(
            "format.repeated_punctuation", "format", "plain",
            re.compile(r"[,。、;:]{2,}|([?!])\1+"),
            "删除多余的标点", "标点重复或连用", None, 0, adjacent(",。、;:?!"),
        ),
        PatternRule(
            "format.impossible_date", "format", "plain",
            _DATE,
            "核对日期", "日期不存在（如2月30日、13月）", _check_date, 0, contains("月"), find_dates,
        ),
        PatternRule(
            "format.impossible_date", "format", "plain",
            _ISO_DATE,
            "核对日期", "日期不存在（如2月30日、13月）", _check_date, 0, contains("-"), find_iso_dates,
        ),
    )




def match(original: str, views: dict[str, View], categories: dict[str, Category], ctx: Context,
          gates: Mapping[str, bool] = _NONE_SETTLED) -> list[Finding]:
    """Run every pattern rule over its view and map matches back to the original text. ``gates``:
    rules whose gate the caller settled already (the offer rule's, from the lexicon's walk)."""
    findings: list[Finding] = []
    claimed: dict[str, list[tuple[int, int]]] = {}
    for rule in rules():
        view = views[rule.view]
        settled = gates.get(rule.name)
        if settled is False or (settled is None and rule.gate is not None and not rule.gate(view)):
            continue
        category = categories[rule.category]
        found = rule.finder(view.text) if rule.finder is not None else rule.regex.finditer(view.text)
        for m in found:
            name = rule.name
            if rule.check is not None:
                verdict = rule.check(m, ctx)
                if verdict is False:
                    if rule.finder is find_urls:  # an allowed link still claims its span: nothing in it is an ID
                        claimed.setdefault(rule.category, []).append(view.span(*m.span()))
                    continue
                if isinstance(verdict, str):
                    name = verdict
            a, b = m.span(rule.group)
            if a == b:
                continue
            start, end = view.span(a, b)
            spans = claimed.setdefault(rule.category, [])
            if any(s < end and start < e for s, e in spans):
                continue
            spans.append((start, end))
            suggestion, note = rule.suggestion, rule.note
            if name == "commercial.short_link":
                suggestion, note = "删除短链接，改用可辨认去向的官方链接", "短链接隐藏了真实去向"
            findings.append(
                Finding(start, end, original[start:end], rule.category, category.gate, category.severity,
                        name, suggestion, "pattern", note)
            )
    findings.extend(brackets.unbalanced(original, views["plain"], categories["format"]))
    return findings
