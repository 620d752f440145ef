import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.bench.install import ThrowawayInstall
from chatbot.gate.calibration import fit, levels_for, recalibrated, risk_coverage
from chatbot.gate.observations import Observed, observed_dump, observed_load
from chatbot.gate.shipped import CAUTION_LEVELS, SHIPPED, with_caution
from chatbot.management.commands.calibrate_gate import TABLE, table_lines
from faq.retrieval.benchmark import load_localgovfaq, split_queries

SAMPLE = Path(settings.BASE_DIR) / "faq" / "sample_data" / "cases"


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def _observe(install: ThrowawayInstall, cases: Path, name: str) -> list[dict[str, Any]]:
    out = install.work / f"{name}.observations.json"
    install.run(
        "calibrate_gate", "--cases", str(cases), "--dry-run", "--save-observations", str(out), "-v", "0", name=name
    )
    rows: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return rows


class Command(BaseCommand):
    help = (
        "Fit the gate that ships with the product (chatbot/gate/fitted.json): observe the LocalgovFAQ dev split "
        "with the odd half of the out-of-scope cases, and the odd half of the sample town's cases (cases/*.jsonl), "
        "each in a "
        "throw-away installation; fit both models on the pooled observations and choose every caution level's "
        "thresholds from costs at the expected out-of-scope share. Prints the risk/coverage table. The measure "
        "halves (test split, even lines, the held-out set) are never read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--localgovfaq", type=Path, required=True, metavar="DIR")
        parser.add_argument("--out", type=Path, default=SHIPPED)
        parser.add_argument("--oos-share", type=float, default=settings.GATE_OOS_SHARE)
        parser.add_argument(
            "--observations",
            type=Path,
            metavar="FILE",
            help="Keep the observations (numbers and labels, no text) in FILE, and reuse them if it exists.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["localgovfaq"]
        if not (directory / "corpus.json").is_file():
            raise CommandError(f"{directory} has no corpus.json (expected the LocalgovFAQ JSON files)")
        saved: Path | None = options["observations"]
        if saved is not None and saved.is_file():
            pooled = [o for source, rows in json.loads(saved.read_text()).items() for o in observed_load(rows, source)]
        else:
            pooled = self.observe(directory)
            if saved is not None:
                by_source: dict[str, list[dict[str, Any]]] = {}
                for o in pooled:
                    by_source.setdefault(o.case.case_id.split(":")[0], []).append(observed_dump([o])[0])
                saved.write_text(json.dumps(by_source), encoding="utf-8")
        town = np.asarray([i for i, o in enumerate(pooled) if o.case.case_id.startswith("sample")])
        n_city = len(pooled) - len(town)
        fitted = fit(pooled, oos_share=options["oos_share"])
        town_fitted, recalibration = recalibrated(fitted, town)
        levels = levels_for(town_fitted)
        parameters = with_caution(fitted.parameters | {"recalibration": recalibration, "levels": levels}, "standard")
        table = risk_coverage(town_fitted, parameters["thresholds"], CAUTION_LEVELS["standard"])
        n_oos = sum(not o.case.answerable for o in pooled)
        self.stdout.write(
            f"fitted on {len(pooled)} cases ({n_city} LocalgovFAQ: dev split and out-of-scope odd lines; {len(town)} "
            f"sample town odd lines; {n_oos} out of scope), weighted to an out-of-scope share of "
            f"{options['oos_share']:.2f}"
        )
        self.stdout.write(
            f"recalibrated and thresholds chosen on the sample town's {len(town)} (out-of-fold): "
            f"{json.dumps(recalibration)}"
        )
        self.stdout.write("\n".join(table_lines(table, parameters["thresholds"]["answer"])))
        for level, info in parameters["levels"].items():
            estimate = {key: info["estimate"][key] for key in TABLE}
            self.stdout.write(f"{level} (a wrong answer costs {CAUTION_LEVELS[level]:g} calls): {json.dumps(estimate)}")
        for level, info in levels_for(fitted).items():
            estimate = {key: info["estimate"][key] for key in TABLE}
            self.stdout.write(f"{level}, all {len(pooled)} cases, not recalibrated: {json.dumps(estimate)}")
        payload = {
            "fitted": datetime.date.today().isoformat(),
            "data": {"localgovfaq": n_city, "sample_town": len(town), "out_of_scope": n_oos},
            "parameters": parameters,
            "table": table,
        }
        options["out"].write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"written: {options['out']}"))

    def observe(self, directory: Path) -> list[Observed]:
        """Observations of the LocalgovFAQ dev split (and out-of-scope odd lines) and of the sample town's odd
        lines, each in its own throw-away installation."""
        documents, queries = load_localgovfaq(directory)
        city = ThrowawayInstall("faq-fit-gate-city-")
        town = ThrowawayInstall("faq-fit-gate-town-")
        try:
            _write_jsonl(
                city.work / "faqs.jsonl",
                [{"external_id": f"L-{d.faq_id}", "question": d.question, "answer": d.answer} for d in documents],
            )
            dev = [
                {
                    "id": f"q{q.query_id}",
                    "query": q.text,
                    "relevant_ids": [f"L-{doc}" for doc in sorted(q.relevant)],
                    "answerable": True,
                    "lang": "ja",
                }
                for q in split_queries(queries, "dev")
            ]
            oos = [json.loads(line) for line in (SAMPLE / "oos.jsonl").read_text(encoding="utf-8").splitlines()]
            _write_jsonl(city.work / "dev.jsonl", dev + oos[0::2])
            city.run("migrate", "--noinput", "-v", "0")
            city.run(
                "import_faq",
                str(city.work / "faqs.jsonl"),
                "--publish",
                "--department-default",
                "総合案内",
                "--create-departments",
                name="import",
            )
            city.run("rebuild_index", "-v", "0")
            pooled = observed_load(_observe(city, city.work / "dev.jsonl", "localgovfaq"), "localgovfaq")
            town.run("migrate", "--noinput", "-v", "0")
            town.run("load_sample_town")
            town.run("rebuild_index", "-v", "0")
            for name in ("ja", "en", "oos", "oos_hard"):
                lines = (SAMPLE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
                (town.work / f"{name}.jsonl").write_text("\n".join(lines[0::2]) + "\n", encoding="utf-8")
                pooled += observed_load(_observe(town, town.work / f"{name}.jsonl", f"sample-{name}"), f"sample-{name}")
        finally:
            shutil.rmtree(city.work, ignore_errors=True)
            shutil.rmtree(town.work, ignore_errors=True)
        return pooled
