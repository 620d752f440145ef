import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.models import Channel
from chatbot.pipeline import turn_ask
from faq.models import Faq
from faq.retrieval.index import search


class Command(BaseCommand):
    help = (
        "Ask a question from the command line. Prints the outcome (answer, clarify, handoff or rejected) "
        "and the ranked FAQ candidates with their scores; with --json the answer object of CONTRACTS section 2. "
        "Every question is logged as a turn (channel cli)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question", nargs="?", help="The resident's question.")
        parser.add_argument("--lang", choices=["ja", "en"], default=None, help="Default: detected.")
        parser.add_argument("--json", action="store_true", help="Print the answer object as JSON.")
        parser.add_argument("--jsonl-in", type=Path, help="Many questions: JSONL with 'id' and 'query'.")
        parser.add_argument("--jsonl-out", type=Path, help="Where to write one answer object per line.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jsonl_in"]:
            self._batch(options["jsonl_in"], options["jsonl_out"])
            return
        if options["question"] is None:
            raise CommandError('質問を入力してください / give a question, e.g. ask "粗大ごみを出したい"')
        response = turn_ask(question=options["question"], channel=Channel.CLI, lang=options["lang"])
        if options["json"]:
            self.stdout.write(json.dumps(response, ensure_ascii=False))
            return
        self._print(response, options["question"])

    def _print(self, response: dict[str, Any], question: str) -> None:
        self.stdout.write(f"outcome: {response['outcome']}  confidence={response['confidence']:.3f}")
        if response.get("failure_class"):
            self.stdout.write(f"failure class: {response['failure_class']}")
        if response.get("notice"):
            self.stdout.write(f"notice: {response['notice']}")
        if response["answer"]:
            self.stdout.write(response["answer"])
        for choice in response.get("choices", []):
            self.stdout.write(f"  - [{choice['external_id'] or choice['faq_id']}] {choice['question']}")
        if response["outcome"] == "rejected":
            return
        result = search(question)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        faqs = Faq.objects.select_related("department").in_bulk([c.faq_id for c in result.candidates])
        self.stdout.write("candidates:")
        for rank, candidate in enumerate(result.candidates, start=1):
            faq = faqs[candidate.faq_id]
            lexical = candidate.signals.get("lexical", 0.0)
            dense = "  ".join(f"{name}={value:.3f}" for name, value in candidate.signals.items() if ":" in name)
            self.stdout.write(
                f"{rank:>2}. [{faq.external_id or faq.pk}] {faq.question}  ({faq.department or '-'})\n"
                f"    score={candidate.score:.3f}  fused={candidate.fused:.2f}  lexical={lexical:.2f}  {dense}"
            )

    def _batch(self, source: Path, target: Path | None) -> None:
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        output = target.open("w", encoding="utf-8") if target else self.stdout
        try:
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    query = item["query"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise CommandError(f"line {number}: needs a JSON object with 'id' and 'query' ({exc})") from exc
                response = turn_ask(
                    question=query if isinstance(query, str) else "",
                    channel=Channel.CLI,
                    lang=item.get("lang"),
                    question_id=item.get("id"),
                )
                output.write(json.dumps(response, ensure_ascii=False) + "\n")
        finally:
            if target:
                output.close()
