import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faq.models import Department, Faq
from faq.retrieval.index import SearchResult, search
from faq.selectors import department_general_reception

MAX_QUESTION_CHARS = 500


def _contact(department: Department | None) -> dict[str, str] | None:
    if department is None:
        return None
    return {
        "department": department.name,
        "phone": department.phone,
        "window": department.window,
        "hours": department.hours,
        "closed_days": department.closed_days,
    }


def refusal(question: str) -> str | None:
    """The resident-facing reason a question is refused, or None."""
    if not question.strip():
        return "質問を入力してください。 / Please type a question."
    if len(question) > MAX_QUESTION_CHARS:
        return (
            f"質問は{MAX_QUESTION_CHARS}文字以内でお願いします。 / "
            f"Please keep your question under {MAX_QUESTION_CHARS} characters."
        )
    return None


def rejected_object(question_id: str | None, message: str) -> dict[str, Any]:
    return {
        "id": question_id,
        "outcome": "rejected",
        "answer": message,
        "confidence": 0.0,
        "sources": [],
        "candidates": [],
        "turn_id": None,
    }


def result_object(question_id: str | None, result: SearchResult) -> dict[str, Any]:
    """The contract's answer object (CONTRACTS.md section 2).

    Until the confidence gate exists the outcome is provisional: the best
    candidate is answered, and with no candidate the question is handed off.
    """
    faqs = Faq.objects.select_related("department").in_bulk([c.faq_id for c in result.candidates])
    candidates = [
        {
            "faq_id": candidate.faq_id,
            "external_id": faqs[candidate.faq_id].external_id,
            "question": faqs[candidate.faq_id].question,
            "score": round(candidate.score, 4),
            "fused": round(candidate.fused, 4),
            "signals": {name: round(value, 4) for name, value in candidate.signals.items()},
        }
        for candidate in result.candidates
        if candidate.faq_id in faqs
    ]
    top = faqs.get(result.candidates[0].faq_id) if result.candidates else None
    # Nothing matched: the general reception (総合案内) takes the question.
    department = top.department if top else department_general_reception()
    if result.out_of_date_faq is not None:
        # The best match is an FAQ past (or before) its validity dates: never
        # quote it or a neighbour; hand off to the department that owns it.
        owner = Faq.objects.select_related("department").filter(pk=result.out_of_date_faq).first()
        top = None
        department = (owner.department if owner else None) or department_general_reception()
    return {
        "id": question_id,
        "outcome": "answer" if top else "handoff",
        "answer": top.answer if top else None,
        "confidence": candidates[0]["score"] if candidates else 0.0,
        "sources": candidates[:1],
        "candidates": candidates,
        "handoff": _contact(department),
        "turn_id": None,
        "warnings": result.warnings,
    }


class Command(BaseCommand):
    help = (
        "Ask a question from the command line: ranked FAQ candidates with their scores "
        "(lexical, dense, fused), or with --json the answer object of the chat API."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question", nargs="?", help="The resident's question.")
        parser.add_argument("--lang", choices=["ja", "en"], default="ja")
        parser.add_argument("--json", action="store_true", help="Print the answer object as JSON.")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--jsonl-in", type=Path, help="Many questions: JSONL with 'id' and 'query'.")
        parser.add_argument("--jsonl-out", type=Path, help="Where to write one answer object per line.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jsonl_in"]:
            self._batch(options["jsonl_in"], options["jsonl_out"], options["limit"])
            return
        question = (options["question"] or "").strip()
        if not question:
            raise CommandError('質問を入力してください / give a question, e.g. ask "粗大ごみを出したい"')
        if len(question) > MAX_QUESTION_CHARS:
            raise CommandError(f"質問が長すぎます / the question is longer than {MAX_QUESTION_CHARS} characters")
        result = search(question, limit=options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps(result_object(None, result), ensure_ascii=False))
            return
        self._print(result)

    def _print(self, result: SearchResult) -> None:
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        if not result.candidates:
            self.stdout.write("該当するFAQがありません / no matching FAQ")
            return
        faqs = Faq.objects.select_related("department").in_bulk([c.faq_id for c in result.candidates])
        for rank, candidate in enumerate(result.candidates, start=1):
            faq = faqs[candidate.faq_id]
            lexical = candidate.signals.get("lexical", 0.0)
            dense = "  ".join(f"{name}={value:.3f}" for name, value in candidate.signals.items() if ":" in name)
            self.stdout.write(
                f"{rank:>2}. [{faq.external_id or faq.pk}] {faq.question}  ({faq.department or '-'})\n"
                f"    score={candidate.score:.3f}  fused={candidate.fused:.2f}  lexical={lexical:.2f}  {dense}"
            )

    def _batch(self, source: Path, target: Path | None, limit: int) -> None:
        output = target.open("w", encoding="utf-8") if target else self.stdout
        try:
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    query = str(item["query"]).strip()
                except (ValueError, KeyError, TypeError) as exc:
                    raise CommandError(f"line {number}: needs a JSON object with 'id' and 'query' ({exc})") from exc
                problem = refusal(query)
                if problem:
                    answer = rejected_object(item.get("id"), problem)
                else:
                    answer = result_object(item.get("id"), search(query, limit=limit))
                output.write(json.dumps(answer, ensure_ascii=False) + "\n")
        finally:
            if target:
                output.close()
