import json
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from chatbot.bench.load import measure, services_vs_embedded, write_bodies
from chatbot.bench.services import ServiceError, available
from chatbot.bench.targets import embedded_target, services_target

STACKS = ("embedded", "services", "both")


class Command(BaseCommand):
    help = (
        "Load benchmark of the chat API over HTTP on 127.0.0.1: starts gunicorn on a copy of this "
        "installation (SQLite and the embedded vector store) and/or on the sample town installed on "
        "PostgreSQL, a chromadb server and Redis, drives it with wrk at a fixed rate and then back to "
        "back, and prints requests/s, p50/p95/p99, errors, turn rows against requests and the server's "
        "memory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stack",
            choices=STACKS,
            default="embedded",
            help=(
                "embedded: a copy of this installation (SQLite, embedded chromadb); services: the sample town "
                "installed on PostgreSQL, a chromadb server and Redis started for the run; both: one after the "
                "other, side by side."
            ),
        )
        parser.add_argument("--rate", type=int, default=10, help="Requests per second in the fixed-rate phase.")
        parser.add_argument("--duration", type=int, default=60, help="Seconds of the fixed-rate phase.")
        parser.add_argument("--max-duration", type=int, default=20, help="Seconds of the back-to-back phase (0: skip).")
        parser.add_argument(
            "--max-connections", type=int, default=4, help="Connections asking back to back in that phase."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker.")
        parser.add_argument(
            "--approval",
            action="store_true",
            help=(
                "Also run the fixed-rate phase while a reviewer approves a change request: the golden set is made "
                "--golden-cases cases, the task cluster runs the regression check, and the phase lasts until the "
                "check is done and the change approved."
            ),
        )
        parser.add_argument(
            "--golden-cases",
            type=int,
            default=1000,
            help="Golden-set cases for --approval (variants of the case files).",
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--keep", action="store_true", help="Keep the copy, the server logs and wrk's files.")

    def handle(self, *args: Any, **options: Any) -> None:
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: `apt-get install wrk` (or `make tools`)")
        if options["rate"] < 1 or options["duration"] < 1 or options["max_connections"] < 1:
            raise CommandError("--rate, --duration and --max-connections must be at least 1")
        if options["golden_cases"] < 1:
            raise CommandError("--golden-cases must be at least 1")
        if options["max_duration"] < 0 or options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--max-duration must be 0 or more, --workers and --threads at least 1")
        stacks = ["embedded", "services"] if options["stack"] == "both" else [options["stack"]]
        if "embedded" in stacks and connection.vendor != "sqlite":
            raise CommandError(
                "--stack embedded copies the embedded SQLite installation; run it with the default database "
                "(or use --stack services)"
            )
        if "services" in stacks and available():
            raise CommandError("not installed: " + ", ".join(available()) + " (`make tools` installs them)")
        work = Path(tempfile.mkdtemp(prefix="faq-bench-load-"))
        write_bodies(work)
        result: dict[str, Any] = {
            "load_generator": "wrk, 1 thread, on the same machine",
            "workers": f"gunicorn {options['workers']} workers x {options['threads']} threads (gthread)",
        }
        try:
            for name in stacks:
                with ExitStack() as cleanup:
                    target = cleanup.enter_context(
                        embedded_target(work) if name == "embedded" else services_target(work, self.stderr.write)
                    )
                    result[name] = {
                        "server": target.description,
                        "faqs": target.faqs,
                        **measure(work, target, options),
                    }
        except ServiceError as error:
            raise CommandError(str(error)) from error
        finally:
            if options["keep"]:
                self.stderr.write(f"kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        if len(stacks) == 2:
            result["services_vs_embedded"] = services_vs_embedded(result["embedded"], result["services"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self._print(result, stacks)

    def _print(self, result: dict[str, Any], stacks: list[str]) -> None:
        self.stdout.write(f"load: {result['load_generator']}; server: {result['workers']}")
        header = (
            "stack     phase         requests errors  req/s  p50 ms  p95 ms  p99 ms  max ms  "
            "rows answered+own-row cut-off pending  RSS MB before/peak/after (growth)"
        )
        self.stdout.write(header)
        for name in stacks:
            for phase in ("fixed_rate", "during_approval", "back_to_back"):
                if phase not in result[name]:
                    continue
                p = result[name][phase]
                self.stdout.write(
                    f"{name:<9} {phase:<13} {p['requests']:>8} {p['errors']:>6} {p['rps']:>6} {p['p50_ms']:>7} "
                    f"{p['p95_ms']:>7} {p['p99_ms']:>7} {p['max_ms']:>7}  {p['turn_rows']:>4} "
                    f"{p['answers_with_their_turn_row']:>15} {p['rows_of_requests_cut_off_at_stop']:>7} "
                    f"{p['rows_left_pending']:>7}  {p['server_rss_mb_before']}/{p['server_rss_mb_peak']}/"
                    f"{p['server_rss_mb_after']} ({p['server_rss_growth_pct']:+}%)"
                )
        for name in stacks:
            self.stdout.write(f"{name}: {result[name]['server']}, {result[name]['faqs']} published FAQs")
            approval = result[name].get("during_approval")
            if approval:
                self.stdout.write(
                    f"{name} approval: {approval['golden_cases']} golden cases, asking to approve "
                    f"{approval['ask_to_approve_ms']} ms, check {approval['check_status']} "
                    f"({'passed' if approval['check_passed'] else 'blocked'}) in {approval['check_s']} s, "
                    f"approved {approval['approved']} in {approval['approve_ms']} ms; p95 during / without: "
                    f"{result[name].get('approval_vs_fixed_rate_p95')}x"
                )
        if "services_vs_embedded" in result:
            self.stdout.write("services / embedded: " + json.dumps(result["services_vs_embedded"]))
