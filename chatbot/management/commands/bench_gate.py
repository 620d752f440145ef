import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.bench.install import ThrowawayInstall
from chatbot.gate.shipped import CAUTION_LEVELS, DEFAULT_CAUTION
from faq.retrieval.benchmark import load_localgovfaq, split_queries


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


class Command(BaseCommand):
    help = (
        "The gate benchmark on LocalgovFAQ, in a throw-away installation: import the FAQs with import_faq, "
        "build the index, take the shipped gate's models and recalibrate them on the dev split plus the odd lines "
        "of the out-of-scope cases, as a town does on its labelled questions (--refit: fit new models there), and "
        "evaluate on the test split plus the even lines. Prints the measures of CONTRACTS section 3 (with "
        "--json, one object on the last line). Nothing touches this installation's data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--localgovfaq", type=Path, required=True, metavar="DIR")
        parser.add_argument(
            "--oos",
            type=Path,
            default=Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases" / "oos.jsonl",
            metavar="FILE",
            help="Out-of-scope cases (answerable false); default: the sample town's.",
        )
        parser.add_argument("--caution", choices=list(CAUTION_LEVELS), default=DEFAULT_CAUTION)
        parser.add_argument("--refit", action="store_true", help="Fit the gate on the dev split instead.")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--keep", action="store_true", help="Keep the temporary installation and print its path.")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["localgovfaq"]
        if not (directory / "corpus.json").is_file():
            raise CommandError(f"{directory} has no corpus.json (expected the LocalgovFAQ JSON files)")
        documents, queries = load_localgovfaq(directory)
        oos = [json.loads(line) for line in options["oos"].read_text(encoding="utf-8").splitlines() if line.strip()]
        install = ThrowawayInstall("faq-bench-gate-")
        work = install.work
        _write_jsonl(
            work / "faqs.jsonl",
            [{"external_id": f"L-{d.faq_id}", "question": d.question, "answer": d.answer} for d in documents],
        )

        def cases(split: str) -> list[dict[str, Any]]:
            return [
                {
                    "id": f"q{q.query_id}",
                    "query": q.text,
                    "relevant_ids": [f"L-{doc}" for doc in sorted(q.relevant)],
                    "answerable": True,
                    "lang": "ja",
                }
                for q in split_queries(queries, split)
            ]

        _write_jsonl(work / "calibrate.jsonl", cases("dev") + oos[0::2])
        _write_jsonl(work / "measure.jsonl", cases("test") + oos[1::2])
        timings = install.timings

        def run(name: str, *arguments: str) -> str:
            return install.run(*arguments, name=name)

        run("migrate", "migrate", "--noinput", "-v", "0")
        run(
            "import",
            "import_faq",
            str(work / "faqs.jsonl"),
            "--publish",
            "--department-default",
            "総合案内",
            "--create-departments",
        )
        run("index", "rebuild_index", "-v", "0")
        if options["refit"]:
            calibration = run(
                "calibrate",
                "calibrate_gate",
                "--cases",
                str(work / "calibrate.jsonl"),
                "--caution",
                options["caution"],
                "-v",
                "0",
            )
        else:
            calibration = run(
                "calibrate",
                "calibrate_gate",
                "--recalibrate",
                "--cases",
                str(work / "calibrate.jsonl"),
                "--caution",
                options["caution"],
                "-v",
                "0",
            )
        measured = json.loads(
            run("evaluate", "evaluate", "--cases", str(work / "measure.jsonl"), "--json", "--no-log", "-v", "0")
            .strip()
            .splitlines()[-1]
        )
        result = {
            "benchmark": "LocalgovFAQ (A+B) + out-of-scope cases",
            "gate": (
                ("fitted" if options["refit"] else "shipped models, recalibrated")
                + f" on the dev split ({len(cases('dev'))}) + {len(oos[0::2])} out-of-scope"
            ),
            "caution": options["caution"],
            "measured_on": f"test split ({len(cases('test'))}) + {len(oos[1::2])} out-of-scope",
            **measured,
            "seconds": timings,
        }
        if not options["json"]:
            self.stdout.write(calibration)
            for key, value in result.items():
                self.stdout.write(f"{key:>18}  {value}")
        else:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        if options["keep"]:
            self.stderr.write(f"kept: {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
