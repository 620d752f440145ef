"""The monthly report as PDF: its layout, and tables that wrap Japanese text where typesetting allows."""

import io
import re
from typing import Any

from analytics import charts
from analytics.report.contents import CHANGE_HEADER, CLUSTER_HEADER, DEPARTMENT_HEADER, EDIT_HEADER, Report, title


def _str(value: Any) -> str:
    """A cell's text; a figure the month has none of (no questions, no latency) is blank, as in the XLSX and CSV."""
    return "" if value is None else str(value)


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
