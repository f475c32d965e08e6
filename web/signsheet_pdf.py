"""The 审核签批单 as an A4 PDF, drawn with ReportLab.

Chinese is set in ReportLab's built-in CID font ``STSong-Light`` (Adobe's Song typeface that every
PDF reader ships), so no font file travels with the application and the PDF stays small.
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reviewer.workflow.signsheet import SignSheet

FONT = "STSong-Light"


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1, spaceAfter=4),
        "sub": ParagraphStyle("sub", parent=base, fontSize=9, alignment=1, textColor=colors.HexColor("#4a5160")),
        "h": ParagraphStyle("h", parent=base, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=3),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
    }


def _p(text: str, style: str = "base") -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), _styles()[style])


def _grid(rows: list[list[object]], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#6b7280")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef0f3")))
    table.setStyle(TableStyle(style))
    return table


def _gate_notes(gate: dict) -> str:
    notes = [gate["comment"]] if gate["comment"] else []
    notes += [f"放行“{o['finding']}”：{o['reason']}" for o in gate["overrides"]]
    notes += [f"“{c['finding']}”经{c['approver']}同意（{c['approved_on']}）" for c in gate["consents"]]
    return "\n".join(notes)


def render_pdf(sheet: SignSheet) -> bytes:
    """The sign sheet as PDF bytes (A4 portrait, 15 mm margins)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"审核签批单 稿件 {sheet.draft_id} 第 {sheet.version} 版",
                            author="政务新媒体发布前审核助手")
    width = A4[0] - 30 * mm
    story: list[object] = [_p("政务新媒体信息发布审核签批单", "title"),
                           _p(f"稿件编号 {sheet.draft_id}　第 {sheet.version} 版　打印时间 {sheet.printed_at}（北京时间）", "sub"),
                           Spacer(1, 6)]
    meta = [
        [_p("账号"), _p(f"{sheet.account['name']}（{sheet.account['platform']}）"), _p("主办单位"), _p(sheet.account["unit"])],
        [_p("标题"), _p(sheet.title), _p("类型"), _p(sheet.kind_name)],
        [_p("撰稿人"), _p(sheet.author), _p("本版修改人"), _p(sheet.editor)],
        [_p("本版保存时间"), _p(sheet.created_at), _p("本版结果"), _p(sheet.status_name)],
        [_p("审核要求"), _p(f"{sheet.account['review_levels']} 级审核，每级五关"), _p("内容哈希"),
         _p(sheet.sha256, "small")],
    ]
    story.append(_grid(meta, [0.14 * width, 0.36 * width, 0.14 * width, 0.36 * width], header=False))
    for level in sheet.levels:
        story.append(_p(f"{level['name']}审核　审核人：{level['signer'] or '（未签）'}", "h"))
        rows: list[list[object]] = [[_p("关口"), _p("结论"), _p("审核人"), _p("时间（北京）"), _p("意见、放行理由与单位同意")]]
        for gate in level["gates"]:
            rows.append([_p(gate["gate_name"]), _p(gate["decision_name"]), _p(gate["signer"]), _p(gate["at"]),
                         _p(_gate_notes(gate))])
        story.append(_grid(rows, [0.12 * width, 0.09 * width, 0.17 * width, 0.18 * width, 0.44 * width]))
    if sheet.lapsed:
        story.append(_p("已失效的签批", "h"))
        rows = [[_p("级别与关口"), _p("原审核人"), _p("签批时间"), _p("失效原因")]]
        rows += [[_p(f"{x['level_name']}{x['gate_name']}"), _p(x["signer"]), _p(x["at"]), _p(x["reason"])]
                 for x in sheet.lapsed]
        story.append(_grid(rows, [0.2 * width, 0.2 * width, 0.2 * width, 0.4 * width]))
    story.append(_p("发布", "h"))
    if sheet.publication:
        pub = sheet.publication
        story.append(_grid([[_p("发布人"), _p(pub["publisher"]), _p("发布时间"), _p(pub["at"])],
                            [_p("发布链接"), _p(pub["url"] or "—"), _p(""), _p("")]],
                           [0.14 * width, 0.36 * width, 0.14 * width, 0.36 * width], header=False))
    else:
        story.append(_p("此版本尚未发布。"))
    story.append(_p("签字", "h"))
    signature = [[_p("撰稿人签字"), _p(""), _p("日期"), _p("")]]
    signature += [[_p(f"{level['name']}审核人签字"), _p(""), _p("日期"), _p("")] for level in sheet.levels]
    signature += [[_p("发布人签字"), _p(""), _p("日期"), _p("")], [_p("单位负责人签字"), _p(""), _p("日期"), _p("")]]
    table = _grid(signature, [0.2 * width, 0.45 * width, 0.1 * width, 0.25 * width], header=False)
    table.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 10)]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()
