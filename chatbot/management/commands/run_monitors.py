from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot.models import Incident, IncidentStatus, Monitor
from chatbot.quality.monitors import run_canary, run_monitors
from chatbot.quality.readings import MONITORS


class Command(BaseCommand):
    help = (
        "Take one reading of the monitors (answer rate, handoffs, not-helpful feedback, latency, LLM errors, "
        "search index) and, with --canary, ask the canary questions. The task cluster does this every 5 and 15 "
        "minutes; an incident opens when a monitor's last readings in a row are all breaches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--canary", action="store_true", help="Also ask the canary questions.")
        parser.add_argument("--only", action="append", default=[], metavar="MONITOR", help="Only this monitor.")

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = sorted(set(options["only"]) - set(MONITORS) - {Monitor.CANARY})
        if unknown:
            raise CommandError(f"unknown monitor {', '.join(unknown)}; choose from {', '.join(Monitor.values)}")
        only = [name for name in options["only"] if name != Monitor.CANARY]
        checks = run_monitors(only) if only or not options["only"] else []
        if options["canary"] or Monitor.CANARY in options["only"]:
            canary = run_canary()
            if canary is None:
                self.stdout.write("canary: the golden set has no cases in use")
            else:
                checks.append(canary)
        for check in checks:
            state = self.style.ERROR("BREACH") if check.breached else "ok"
            incident = f"  incident #{check.incident_id}" if check.incident_id else ""
            self.stdout.write(f"{check.monitor:<13} {state:<6} {check.details.get('en', check.message)}{incident}")
        open_count = Incident.objects.filter(status=IncidentStatus.OPEN).count()
        self.stdout.write(f"open incidents: {open_count}")
