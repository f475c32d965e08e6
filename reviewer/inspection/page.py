"""The inspection as one self-contained HTML page: inline SVG bars, no external asset of any kind,
so it opens from a USB stick on an intranet PC. Problems by kind, accounts by unit, posts by week."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from html import escape

from reviewer.inspection.accounts import pass_rate, problem_name, problem_shares
from reviewer.inspection.escalation import policy
from reviewer.inspection.run import Inspection

BAR_HEIGHT = 22
BAR_WIDTH = 420
STYLE = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2rem;color:#1f2933}"
         "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse}"
         "td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}.bad{color:#a61b1b}")


def _bars(rows: list[tuple[str, float, str]]) -> str:
    """A horizontal bar chart: (label, value, text shown at the bar's end)."""
    if not rows:
        return "<p>无</p>"
    top = max(value for _, value, _ in rows) or 1
    height = BAR_HEIGHT * len(rows) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{BAR_WIDTH + 360}" height="{height}" role="img">']
    for i, (label, value, shown) in enumerate(rows):
        y = 4 + i * BAR_HEIGHT
        width = max(2, int(BAR_WIDTH * value / top))
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(label[:20])}</text>'
                     f'<rect x="200" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 8}" fill="#a61b1b"/>'
                     f'<text x="{206 + width}" y="{y + 15}" font-size="12">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _rule() -> str:
    days, levels = policy()
    return f"{days} 天内违规警报" + "，".join(f"达 {x.alerts} 次{x.talk}" for x in levels)


def render(inspection: Inspection) -> str:
    """The whole page as a string."""
    verdicts = inspection.verdicts
    failing = [v for v in verdicts if not v.passed]
    problems = [(problem_name(k), n, f"{n} 个（{share:.2f}%）") for k, (n, share) in problem_shares(verdicts).items()]
    units: Counter = Counter(v.account.unit or "（未填写）" for v in failing)
    weeks: Counter = Counter()
    for v in verdicts:
        for moment in v.account.times:
            weeks[inspection.window.week_of(moment)] += 1
    week_rows = [(f"第{w + 1}周（{(inspection.window.first + timedelta(days=7 * w)):%m-%d}起）", n, str(n))
                 for w, n in sorted(weeks.items())]
    rows = "".join(f"<tr><td>{i}</td><td>{escape(v.account.platform)}</td><td>{escape(v.account.name)}</td>"
                   f"<td>{escape(v.account.unit)}</td><td class='bad'>不合格</td>"
                   f"<td>{escape('；'.join(w for _, w, _ in v.problems))}</td><td>{escape(inspection.remark(v))}</td></tr>"
                   for i, v in enumerate(failing, 1))
    talks = "".join(f"<tr><td>{escape(e.unit)}</td><td>{e.alerts}</td><td>{e.earlier}</td><td>{escape(e.talk)}</td>"
                    f"<td>{escape(e.by)}</td></tr>" for e in inspection.escalations)
    again = inspection.rechecked()
    recheck = (f"<p>上轮不合格 {again[0]} 个：已整改 {again[1]} 个，未整改或整改不到位 {again[2]} 个。</p>" if again else "")
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>政务新媒体检查情况{escape(inspection.window.title())}</title>
<style>{STYLE}</style></head><body>
<h1>政务新媒体检查情况{escape(inspection.window.title())}</h1>
<p>检查账号 {len(verdicts)} 个，不合格 {len(failing)} 个，合格率 {pass_rate(verdicts):.2f}%；检查记录 {inspection.records} 条，
无法检查的记录 {len(inspection.bad_rows)} 条。</p>{recheck}
<h2>存在的突出问题（占不合格账号的比例）</h2>{_bars(problems)}
<h2>不合格账号按单位</h2>{_bars([(u, n, str(n)) for u, n in units.most_common(20)])}
<h2>各周发布与回复条数</h2>{_bars(week_rows)}
<h2>检查不合格名单</h2>
<table><tr><th>序号</th><th>新媒体类型</th><th>新媒体名称</th><th>代表主体名称</th><th>检查结果</th><th>存在的突出问题</th><th>备注</th></tr>{rows}</table>
<h2>约谈（{escape(_rule())}）</h2>
{f"<table><tr><th>主办单位</th><th>违规警报</th><th>其中以往检查</th><th>约谈对象</th><th>约谈人</th></tr>{talks}</table>" if talks else "<p>无</p>"}
</body></html>
"""
