"""Training data from the golden set, in the OpenAI chat fine-tuning format (one {"messages": [...]} per line).

Answerable cases give corrected pairs: the resident's (redacted) question and the approved FAQ answer, with
its source. Cases that should not be answered give failure cases: the question and the handoff to the
responsible department that the bot should have given.
"""

import datetime
import json
from typing import Any

from django.utils import timezone

from chatbot import messages
from chatbot.models import GoldenCase
from faq.models import Department, Faq, FaqStatus

SYSTEM = {
    "ja": (
        "あなたは町役場のFAQ案内です。町の公開FAQに書かれていることだけを答え、出典のFAQを示してください。"
        "FAQで答えられない質問には、担当課の連絡先を案内してください。"
    ),
    "en": (
        "You are the town office's FAQ assistant. Answer only with what the town's published FAQs say and name "
        "the FAQ you used. When the FAQs do not answer a question, refer the resident to the responsible "
        "department."
    ),
}


def _source_line(faq: Faq, lang: str) -> str:
    number = faq.external_id or str(faq.pk)
    if lang == "en":
        return f'(Source: FAQ {number} "{faq.question}")'
    return f"（出典：FAQ {number}「{faq.question}」）"


def _handoff(department: Department | None, lang: str) -> str:
    key = "handoff" if department is not None and not department.is_general_reception else "handoff_general"
    if department is None:
        department = Department.objects.filter(is_general_reception=True).first()
    reply = messages.text(key, lang, department=messages.department_name(department, lang))
    contact = messages.contact_line(department, lang)
    return f"{reply}\n{contact}" if contact else reply


def training_examples(since: datetime.date | None = None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The examples and their counts: pairs, failure cases, and cases left out (no published right FAQ)."""
    cases = GoldenCase.objects.filter(active=True).select_related("turn__department").prefetch_related("relevant_faqs")
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        cases = cases.filter(updated_at__gte=start)
    examples: list[dict[str, Any]] = []
    counts = {"pairs": 0, "failure_cases": 0, "left_out": 0}
    for case in cases.order_by("case_id"):
        lang = "en" if case.lang == "en" else "ja"
        if case.answerable:
            right = sorted(
                (faq for faq in case.relevant_faqs.all() if faq.status == FaqStatus.PUBLISHED),
                key=lambda faq: (faq.external_id or "", faq.pk),
            )
            if not right:
                counts["left_out"] += 1
                continue
            faq = right[0]
            reply = f"{faq.answer}\n{_source_line(faq, lang)}"
            counts["pairs"] += 1
        else:
            reply = _handoff(case.turn.department if case.turn else None, lang)
            counts["failure_cases"] += 1
        examples.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM[lang]},
                    {"role": "user", "content": case.query},
                    {"role": "assistant", "content": reply},
                ]
            }
        )
    return examples, counts


def training_jsonl(examples: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in examples)
