"""The monthly report for managers: XLSX, CSV (UTF-8 with BOM, for Excel) or PDF.

Everything comes from the month's aggregate (run `aggregate_month` first; the
report does it when the month has none), the groups of unanswered questions,
and the change requests published and FAQ changes people made in the month. Question texts are the redacted
ones stored in the turn log.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from typing import Any

from analytics import charts
from analytics.changes import faq_changes
from analytics.models import GapCluster, MonthlyAggregate
from analytics.services import actions_by_key, add_months, aggregate_month, month_bounds
from changeflow.models import ChangeRequest
from faq.models import Faq
from faq.spreadsheet import neutralise_row

FORMATS = ("xlsx", "csv", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
TOP_CLUSTERS = 20


@dataclass
class Report:
    month: datetime.date
    aggregate: MonthlyAggregate
    previous: MonthlyAggregate | None
    history: list[MonthlyAggregate]  # up to 12 months, oldest first, ending with this one
    clusters: list[GapCluster]
    actions: dict[str, list[Any]]
    changes: list[list[Any]]  # published change requests
    faq_edits: list[list[Any]]  # FAQs people changed in the month, each once (analytics.changes)

    def summary(self) -> list[tuple[str, Any, Any]]:
        """(label, this month, last month) rows."""
        a, p = self.aggregate, self.previous

        def pair(field: str) -> tuple[Any, Any]:
            return getattr(a, field), (getattr(p, field) if p else "")

        def pct(count: int, total: int) -> str:
            return f"{count / total * 100:.1f}%" if total else "-"

        rows: list[tuple[str, Any, Any]] = [
            ("質問数 Questions", *pair("turns")),
            ("回答 Answered", *pair("answered")),
            ("確認 Clarify", *pair("clarified")),
            ("担当課へ案内 Handed off", *pair("handed_off")),
            ("受付不可 Rejected", *pair("rejected")),
            ("未解決 Unanswered", *pair("unanswered")),
            ("回答率 Answered share", pct(a.answered, a.turns), pct(p.answered, p.turns) if p else ""),
            ("案内率 Handoff share", pct(a.handed_off, a.turns), pct(p.handed_off, p.turns) if p else ""),
            ("役に立った Helpful", *pair("helpful")),
            ("役に立たなかった Not helpful", *pair("not_helpful")),
            ("応答時間 p50 (ms) Latency p50", *pair("latency_p50_ms")),
            ("応答時間 p95 (ms) Latency p95", *pair("latency_p95_ms")),
            ("未解決のグループ数 Groups of unanswered questions", *pair("clusters_total")),
        ]
        return rows

    def cluster_rows(self) -> list[list[Any]]:
        rows = []
        for item in self.clusters:
            done = self.actions.get(item.key, [])
            rows.append(
                [
                    item.rank,
                    item.representative,
                    item.size,
                    "" if item.change is None else f"{item.change:+d}",
                    "、".join(f"{d['name'] or '-'} ({d['count']})" for d in item.departments),
                    " / ".join(w["text"] for w in item.wordings[1:4]),
                    "、".join(str(action.get_kind_display()) for action in done),
                ]
            )
        return rows

    def department_rows(self) -> list[list[Any]]:
        return [
            [
                row["name"] or "(未割当 none)",
                row["turns"],
                row["answered"],
                row["clarified"],
                row["handed_off"],
                row["unanswered"],
                row["helpful"],
                row["not_helpful"],
            ]
            for row in self.aggregate.by_department
        ]


CLUSTER_HEADER = [
    "順位 Rank",
    "代表的な質問 Question",
    "件数 Count",
    "前月比 vs last month",
    "担当課 Departments",
    "言い換えの例 Other wordings",
    "対応 Action",
]
DEPARTMENT_HEADER = [
    "部署 Department",
    "質問 Questions",
    "回答 Answered",
    "確認 Clarify",
    "案内 Handed off",
    "未解決 Unanswered",
    "役に立った Helpful",
    "役に立たなかった Not helpful",
]
CHANGE_HEADER = [
    "申請 Request",
    "種類 Kind",
    "部署 Department",
    "件名 Title",
    "施行日 Effective",
    "公開 Published",
    "状態 Status",
]
EDIT_HEADER = [
    "FAQ",
    "質問 Question",
    "部署 Department",
    "変更の種類 Kind of change",
    "変更した人 Changed by",
    "版数 Versions",
    "最終更新 Last change",
    "状態 Status",
]


def build(month: datetime.date, *, user: Any = None) -> Report:
    """The report's data; for a `user` who may not change FAQs (a department editor), the change requests and
    FAQ edits are only their own departments' (the figures and groups are the whole town's)."""
    aggregate = MonthlyAggregate.objects.filter(month=month).first() or aggregate_month(month)
    previous = MonthlyAggregate.objects.filter(month=add_months(month, -1)).first()
    history = list(
        MonthlyAggregate.objects.filter(month__gt=add_months(month, -12), month__lte=month).order_by("month")
    )
    clusters = list(aggregate.clusters.order_by("rank")[:TOP_CLUSTERS])
    start, end = month_bounds(month)
    own: set[int] | None = None
    if user is not None and not user.has_perm("faq.change_faq"):
        from changeflow.services import departments_for

        own = set(departments_for(user).values_list("pk", flat=True))
    change_rows = ChangeRequest.objects.filter(published_at__gte=start, published_at__lt=end)
    if own is not None:
        change_rows = change_rows.filter(department_id__in=own)
    changes = [
        [
            change.pk,
            change.get_kind_display(),
            change.department.name,
            change.title,
            change.effective_date.isoformat(),
            change.published_at.astimezone(start.tzinfo).strftime("%Y-%m-%d %H:%M") if change.published_at else "",
            change.get_status_display(),
        ]
        for change in change_rows.select_related("department").order_by("published_at", "pk")
    ]
    edited = faq_changes(start, end, departments=own)
    faqs = {
        faq.pk: faq for faq in Faq.objects.filter(pk__in=[row.faq_id for row in edited]).select_related("department")
    }

    def department_name(faq_id: int) -> str:
        faq = faqs.get(faq_id)
        return faq.department.name if faq is not None and faq.department is not None else ""

    faq_edits = [
        [
            row.faq_id,
            faqs[row.faq_id].question if row.faq_id in faqs else "",
            department_name(row.faq_id),
            "、".join(row.kinds),
            "、".join(row.people),
            row.versions,
            row.last.astimezone(start.tzinfo).strftime("%Y-%m-%d %H:%M") if row.last else "",
            faqs[row.faq_id].get_status_display() if row.faq_id in faqs else "",
        ]
        for row in edited
    ]
    return Report(
        month=month,
        aggregate=aggregate,
        previous=previous,
        history=history,
        clusters=clusters,
        actions=actions_by_key(month),
        changes=changes,
        faq_edits=faq_edits,
    )


def title(report: Report) -> str:
    return f"チャットボット月次報告 {report.month:%Y年%m月} / Chatbot monthly report {report.month:%Y-%m}"


def _str(value: Any) -> str:
    """A cell's text; a figure the month has none of (no questions, no latency) is blank, as in the XLSX and CSV."""
    return "" if value is None else str(value)


def _safe_rows(rows: Any) -> list[list[Any]]:
    """Text a spreadsheet would run as a formula is written with a leading apostrophe (`faq.spreadsheet`)."""
    return [neutralise_row(row) for row in rows]


def render(report: Report, fmt: str) -> bytes:
    if fmt == "csv":
        return render_csv(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "pdf":
        return render_pdf(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_csv(report: Report) -> bytes:
    """One file, sections separated by an empty line; UTF-8 with BOM so Excel reads Japanese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title(report)])
    writer.writerow([])
    writer.writerow(["概要 Summary", f"{report.month:%Y-%m}", "前月 Last month"])
    writer.writerows(_safe_rows(report.summary()))
    writer.writerow([])
    writer.writerow(["未解決の質問（上位） Top unanswered questions"])
    writer.writerow(CLUSTER_HEADER)
    writer.writerows(_safe_rows(report.cluster_rows()))
    writer.writerow([])
    writer.writerow(["部署別 By department"])
    writer.writerow(DEPARTMENT_HEADER)
    writer.writerows(_safe_rows(report.department_rows()))
    writer.writerow([])
    writer.writerow(["公開された変更申請 Change requests published"])
    writer.writerow(CHANGE_HEADER)
    writer.writerows(_safe_rows(report.changes))
    writer.writerow([])
    writer.writerow(["更新されたFAQ FAQs changed"])
    writer.writerow(EDIT_HEADER)
    writer.writerows(_safe_rows(report.faq_edits))
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)

    def sheet(name: str, header: list[str], rows: list[Any], *, first: bool = False) -> Any:
        ws = book.active if first else book.create_sheet()
        ws.title = name
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(neutralise_row(row))
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":  # text that openpyxl would store as a formula: keep it text
                    cell.data_type = "s"
        for column in ws.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            ws.column_dimensions[column[0].column_letter].width = min(max(10, width * 1.6), 60)
        return ws

    summary = sheet(
        "概要 Summary", ["項目 Item", f"{report.month:%Y-%m}", "前月 Last month"], report.summary(), first=True
    )
    summary.insert_rows(1, 2)
    summary["A1"] = title(report)
    summary["A1"].font = Font(bold=True, size=14)
    sheet("未解決 Unanswered", CLUSTER_HEADER, report.cluster_rows())
    sheet("部署別 Departments", DEPARTMENT_HEADER, report.department_rows())
    sheet("変更 Changes", CHANGE_HEADER, [*report.changes, [], EDIT_HEADER, *report.faq_edits])
    graphs = book.create_sheet("グラフ Charts")
    for number, name in enumerate(charts.CHARTS):
        image = Image(io.BytesIO(charts.draw(name, report.history, fmt="png")))
        graphs.add_image(image, f"A{1 + number * 17}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "IPAexGothic"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(charts.FONT_PATH)))
    heading = ParagraphStyle("heading", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    subheading = ParagraphStyle("subheading", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4)
    cell = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5)
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    padding = 12.0  # the table's cell padding, left and right

    def measure(text: str) -> float:
        return float(pdfmetrics.stringWidth(text, font, cell.fontSize))

    def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        """Headers keep their Japanese and their English on a line each; lines wrap where Japanese typesetting
        allows (`_wrap_line`: never inside an English word); the columns are widened to the header lines and
        longest words, within the table's width; numbers are right-aligned."""
        fitted = _fit_widths(header, rows, [w * mm for w in widths], measure, padding=padding)

        def paragraph(lines: list[str], column: int, style: ParagraphStyle) -> Paragraph:
            room = fitted[column] - padding
            wrapped = [part for line in lines for part in _wrap_line(line, room, measure)]
            return Paragraph("<br/>".join(_escape(line) for line in wrapped), style)

        head = [paragraph(_header_lines(text), i, cell) for i, text in enumerate(header)]
        body = [
            [
                paragraph(_str(value).splitlines() or [""], i, number if _is_number(value) else cell)
                for i, value in enumerate(row)
            ]
            for row in rows
        ]
        result = Table([head, *body], colWidths=fitted, repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3ecf7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return result

    story: list[Any] = [Paragraph(_escape(title(report)), heading)]
    story.append(Paragraph("概要 Summary", subheading))
    story.append(
        table(
            ["項目 Item", f"{report.month:%Y-%m}", "前月 Last month"], [list(r) for r in report.summary()], [90, 40, 40]
        )
    )
    for name in charts.CHARTS[:2]:
        story.append(Spacer(1, 4 * mm))
        story.append(Image(io.BytesIO(charts.draw(name, report.history, fmt="png")), width=170 * mm, height=75 * mm))
    story.append(PageBreak())
    story.append(Paragraph("未解決の質問（上位） Top unanswered questions", subheading))
    story.append(table(CLUSTER_HEADER, report.cluster_rows() or [["-"] * 7], [10, 50, 12, 14, 30, 45, 19]))
    story.append(Paragraph("部署別 By department", subheading))
    story.append(table(DEPARTMENT_HEADER, report.department_rows() or [["-"] * 8], [40, 17, 17, 17, 17, 20, 21, 21]))
    for name in charts.CHARTS[2:]:
        story.append(Spacer(1, 4 * mm))
        story.append(Image(io.BytesIO(charts.draw(name, report.history, fmt="png")), width=170 * mm, height=75 * mm))
    story.append(Paragraph("公開された変更申請 Change requests published", subheading))
    story.append(table(CHANGE_HEADER, report.changes or [["-"] * 7], [14, 26, 28, 50, 20, 22, 20]))
    story.append(Paragraph("更新されたFAQ FAQs changed", subheading))
    story.append(table(EDIT_HEADER, report.faq_edits or [["-"] * 8], [10, 50, 24, 28, 24, 12, 18, 14]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title(report),
        author="",
        creator="town-faq-chatbot",
    )
    document.build(story)
    return buffer.getvalue()


NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?%?$")
HEADER_PARTS = re.compile(r"^([^\x00-\x7f]+?)\s+([\x00-\x7f]+)$")


# Japanese line-breaking rules (kinsoku): characters that may not start a line, and that may not end one.
NO_LINE_START = set(
    "、。，．,.)）]］｝〕〉》」』】〙〗〟’”»ゝゞー々〻‐゠–〜～?!？！‼⁇⁈⁉・:;：；/／%％"
    "ァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
NO_LINE_END = set("(（[［｛〔〈《「『【〘〖〝‘“«")


# Cell words wider than this (long URLs, codes) are broken inside rather than widen their column further.
WORD_MAX = 45 * 72 / 25.4  # 45 mm in points


def _units(text: str) -> list[str]:
    """The pieces of a line no line break may fall inside, and " " for the spaces between them: a word of Latin
    letters, digits and signs, or one Japanese character, together with the characters that may not start a
    line after it (、。」ー small kana ...) and those that may not end a line before it (「（ ...)."""
    units: list[str] = []
    glue_next = False
    for match in re.finditer(r"\s+|[!-~]+|\S", text):
        piece = match.group()
        if piece.isspace():
            units.append(" ")
            glue_next = False
            continue
        if units and units[-1] != " " and (glue_next or piece[0] in NO_LINE_START):
            units[-1] += piece
        else:
            units.append(piece)
        glue_next = piece[-1] in NO_LINE_END
    return units


def _wrap_line(text: str, width: float, measure: Any) -> list[str]:
    """Break one line of text into lines at most `width` wide where Japanese typesetting allows: between two
    `_units` (two Japanese characters, a Japanese character and a word) and at spaces; never inside a word.
    Only a single unit wider than `width` is broken inside."""
    lines: list[str] = []
    line = ""
    for unit in _units(text):
        if unit == " ":
            line = line + " " if line else line
            continue
        if line and measure(line + unit) <= width:
            line += unit
            continue
        if line:
            lines.append(line.rstrip())
        line = ""
        if measure(unit) <= width:
            line = unit
            continue
        for character in unit:  # a single unit too wide for the column: broken inside
            if line and measure(line + character) > width:
                lines.append(line)
                line = ""
            line += character
    lines.append(line.rstrip())
    return lines


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (isinstance(value, str) and bool(NUMBER.match(value)))


def _header_lines(text: str) -> list[str]:
    """ "前月比 vs last month" -> ["前月比", "vs last month"]: the Japanese and the English each on a line."""
    match = HEADER_PARTS.match(text)
    return [match.group(1), match.group(2)] if match else [text]


def _fit_widths(
    header: list[str], rows: list[list[Any]], widths: list[float], measure: Any, *, padding: float
) -> list[float]:
    """Column widths (points) summing to sum(widths): each at least as wide as the longest word of its cells (up
    to WORD_MAX wide) and its header lines (else, when the table cannot give that, its header's longest word);
    the width beyond that is taken from the columns with the most to spare."""
    total = sum(widths)

    def longest(texts: list[str]) -> float:
        return max((measure(text) for text in texts), default=0.0) + padding + 0.5

    def words(text: str) -> list[str]:
        return [unit for unit in _units(text) if unit != " "]

    cells = [longest([word for row in rows for word in words(_str(row[i]))]) for i in range(len(widths))]
    candidates = []
    for cap in (WORD_MAX, None):
        body = [min(width, WORD_MAX if cap else asked) for width, asked in zip(cells, widths, strict=True)]
        candidates.append([max(longest(_header_lines(text)), body[i]) for i, text in enumerate(header)])
        candidates.append([max(longest(words(text)), body[i]) for i, text in enumerate(header)])
    least = next((widths_ for widths_ in candidates if sum(widths_) <= total), candidates[-1])
    fitted = [max(width, low) for width, low in zip(widths, least, strict=True)]
    excess = sum(fitted) - total
    spare = [width - low for width, low in zip(fitted, least, strict=True)]
    if excess > 0 and sum(spare) > 0:
        share = min(excess / sum(spare), 1.0)
        fitted = [width - room * share for width, room in zip(fitted, spare, strict=True)]
    return fitted


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
