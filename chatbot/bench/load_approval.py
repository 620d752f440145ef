"""A change request approved in the middle of the load: the task cluster and the approval helper process."""

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from chatbot.bench.targets import CASE_FILES, Target

# --approval: seconds of load before the reviewer asks to approve and after the approval, and the longest the
# phase may last.
APPROVAL_AFTER_S = 5
APPROVAL_PHASE_MAX_S = 1800


@contextmanager
def approval_helper(
    work: Path, target: Target, options: dict[str, Any]
) -> Iterator[Callable[[Callable[[], None]], dict[str, Any]]]:
    """The task cluster of the installation under load, and a process of its own that enlarges the golden set,
    submits a change request and approves it when asked (see chatbot/bench/approval.py). Yields what the
    approval phase runs while wrk drives the load: it returns the approval's figures."""
    cluster_log = work / f"qcluster-{target.name}.log"
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        env=target.env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=cluster_log.open("w"),
    )
    helper = subprocess.Popen(
        [sys.executable, "-m", "chatbot.bench.approval"],
        env=target.env,
        cwd=settings.BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(work / f"approval-{target.name}.log").open("w"),
        text=True,
    )

    def ask(*words: object) -> dict[str, Any]:
        assert helper.stdin is not None
        assert helper.stdout is not None
        helper.stdin.write(" ".join(str(word) for word in words) + "\n")
        helper.stdin.flush()
        line = helper.stdout.readline()
        if not line:
            raise CommandError(f"the approval helper stopped: see {work}/approval-{target.name}.log (--keep)")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer and answer["error"] and words[0] != "state":
            raise CommandError(f"approval helper, {words[0]}: {answer['error']}")
        return answer

    def approve(stop: Callable[[], None]) -> dict[str, Any]:
        time.sleep(APPROVAL_AFTER_S)
        started = ask("start", change)
        if started["approved"] or started["check"] is None:
            raise CommandError("the change was approved without a check: is the golden set empty?")
        began = time.monotonic()
        state = ask("state", started["check"])
        while state["status"] in ("queued", "running"):
            if time.monotonic() - began > APPROVAL_PHASE_MAX_S - APPROVAL_AFTER_S - 30:
                break
            time.sleep(1)
            state = ask("state", started["check"])
        checked_s = round(time.monotonic() - began, 1)
        finished = ask("finish", change) if state["status"] == "done" else {"approved": False, "request_ms": None}
        time.sleep(APPROVAL_AFTER_S)
        stop()
        return {
            "golden_cases": golden["cases"],
            "ask_to_approve_ms": started["request_ms"],
            "check_status": state["status"],
            "check_passed": state["passed"],
            "check_error": state["error"],
            "check_questions": state["total"],
            "check_s": checked_s,
            "approved": finished["approved"],
            "approve_ms": finished["request_ms"],
        }

    try:
        golden = ask("golden", options["golden_cases"], *CASE_FILES)
        change = ask("prepare")["change"]
        yield approve
    finally:
        if helper.stdin is not None:
            helper.stdin.close()
        for process in (helper, cluster):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
