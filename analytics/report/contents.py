"""The monthly report's contents: the month's figures, unanswered questions, change requests and FAQ edits."""

# Everything comes from the month's aggregate (run `aggregate_month` first; the report does it when the month has
# none), the groups of unanswered questions, and the change requests published and FAQ changes people made in the
# month. Question texts are the redacted ones stored in the turn log.

import datetime
from dataclasses import dataclass
from typing import Any

from analytics.aggregation import aggregate_month
from analytics.changes import faq_changes
from analytics.models import GapCluster, MonthlyAggregate
from analytics.months import add_months, month_bounds
from analytics.services import actions_by_key
from changeflow.models import ChangeRequest
from faq.models import Faq

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
        from changeflow.permissions import departments_for

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
