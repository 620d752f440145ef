"""The monthly report as a file: CSV (UTF-8 with BOM, for Excel), XLSX, or PDF (`analytics.report.pdf`)."""

import csv
import io
from typing import Any

from analytics import charts
from analytics.report.contents import CHANGE_HEADER, CLUSTER_HEADER, DEPARTMENT_HEADER, EDIT_HEADER, Report, title
from analytics.report.pdf import render_pdf
from faq.spreadsheet import neutralise_row

FORMATS = ("xlsx", "csv", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


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
