"""Measuring one installation under load: gunicorn driven by wrk, turn rows against answers, and its memory."""

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
from django.conf import settings
from django.core.management.base import CommandError

from chatbot.bench.load_approval import APPROVAL_PHASE_MAX_S, approval_helper
from chatbot.bench.services import free_port
from chatbot.bench.targets import CASE_FILES, Target

SCRIPT = Path(settings.BASE_DIR) / "chatbot" / "bench" / "chat.lua"
# wrk gives up on a request after this long and counts it as an error.
TIMEOUT_S = 10
# Seconds between two samples of the server's memory during a phase.
RSS_INTERVAL_S = 2.0


def _rss_mb(server: psutil.Process) -> float:
    """Resident memory of the gunicorn master and its workers, in MB."""
    processes = [server, *server.children(recursive=True)]
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return round(total / 1e6, 1)


def write_bodies(work: Path) -> None:
    """`bodies.jsonl` in `work`: the request bodies wrk sends, one for each question of the sample town's case files."""
    bodies = work / "bodies.jsonl"
    bodies.write_text(
        "".join(
            json.dumps({"question": json.loads(line)["query"]}, ensure_ascii=False) + "\n"
            for name in CASE_FILES
            for line in Path(name).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ),
        encoding="utf-8",
    )


def measure(work: Path, target: Target, options: dict[str, Any]) -> dict[str, Any]:
    """Start gunicorn on `target` and run the phases `options` ask for: fixed rate, during an approval, back to back."""
    port = free_port()
    log = work / f"gunicorn-{target.name}.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "chatbot.project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            # Longer than the longest pause between two questions on one connection.
            "--keep-alive",
            str(TIMEOUT_S),
            "--timeout",
            "60",
            "--preload",
        ],
        env=target.env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    host = f"http://127.0.0.1:{port}"
    run = uuid.uuid4().hex[:12]
    measured: dict[str, Any] = {}
    cleanup = ExitStack()
    try:
        approval = None
        if options["approval"]:
            approval = cleanup.enter_context(approval_helper(work, target, options))
        wait_ready(host, server, log)
        warm_up(host, work / "bodies.jsonl", options["workers"] * options["threads"])
        process = psutil.Process(server.pid)
        # Enough connections for a second's worth of requests and a tenth more: one is free for each
        # arrival unless answers take longer than a second.
        connections = math.ceil(options["rate"] * 1.1)
        measured["fixed_rate"] = {
            "target_rps": options["rate"],
            "connections": connections,
            **run_phase(work, host, target, process, f"{run}-fixed", connections, options["duration"], options["rate"]),
        }
        if approval is not None:
            measured["during_approval"] = {
                "target_rps": options["rate"],
                "connections": connections,
                **run_phase(
                    work,
                    host,
                    target,
                    process,
                    f"{run}-approval",
                    connections,
                    APPROVAL_PHASE_MAX_S,
                    options["rate"],
                    during=approval,
                ),
            }
            if measured["fixed_rate"]["p95_ms"]:
                measured["approval_vs_fixed_rate_p95"] = round(
                    measured["during_approval"]["p95_ms"] / measured["fixed_rate"]["p95_ms"], 2
                )
        if options["max_duration"]:
            measured["back_to_back"] = {
                "connections": options["max_connections"],
                **run_phase(
                    work,
                    host,
                    target,
                    process,
                    f"{run}-max",
                    options["max_connections"],
                    options["max_duration"],
                    0,
                ),
            }
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        cleanup.close()
    return measured


def wait_ready(host: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{host}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.is_file() else ""
    raise CommandError(f"the server did not start within 180 s:\n{tail}")


def warm_up(host: str, bodies: Path, parallel: int) -> None:
    """Every question of the mix twice, `parallel` at a time, before measuring: the encoders, the
    tokenizer's and the database's caches and every worker thread's state are loaded, so the memory
    measured afterwards is the steady state's."""
    questions = [line for line in bodies.read_text(encoding="utf-8").splitlines() if line.strip()] * 2

    def ask(number: int) -> None:
        request = urllib.request.Request(
            f"{host}/api/v1/chat",
            data=questions[number].encode(),
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": f"warm-up-{number:06d}-{time.time_ns()}",
            },
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(ask, range(len(questions))))


def run_phase(
    work: Path,
    host: str,
    target: Target,
    server: psutil.Process,
    keys: str,
    connections: int,
    seconds: int,
    rate: int,
    during: Callable[[Callable[[], None]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One wrk run; with `during`, that runs meanwhile and stops wrk (through the callable it gets) when it is
    done, and its figures are added to the phase's."""
    turns_file = work / f"turns-{keys}"
    summary_file = work / f"summary-{keys}.json"
    rss_before = _rss_mb(server)
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(RSS_INTERVAL_S):
            samples.append(_rss_mb(server))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    extra: dict[str, Any] = {}
    try:
        wrk = subprocess.Popen(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                f"{TIMEOUT_S}s",
                "-s",
                str(SCRIPT),
                host,
            ],
            env={
                **os.environ,
                "LOAD_BODIES": str(work / "bodies.jsonl"),
                "LOAD_KEYS": f"load-{keys}",
                "LOAD_RATE": str(rate),
                "LOAD_TURNS": str(turns_file),
                "LOAD_SUMMARY": str(summary_file),
            },
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            if during is not None:
                # wrk stops at SIGINT like at the end of its time, with its summary.
                extra = during(lambda: wrk.send_signal(signal.SIGINT))
            stdout, stderr = wrk.communicate()
        finally:
            if wrk.poll() is None:
                wrk.kill()
                wrk.wait()
    finally:
        stop.set()
        sampler.join()
    (work / f"wrk-{keys}.log").write_text(stdout + stderr, encoding="utf-8")
    if wrk.returncode != 0 or not summary_file.is_file():
        raise CommandError(f"wrk failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    answered = {
        uuid.UUID(line.strip()).hex
        for path in work.glob(f"turns-{keys}.*")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    rows, pending, found = count_turn_rows(target, f"http:load-{keys}-", answered)
    errors = sum(summary[key] for key in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))
    rss_after = _rss_mb(server)
    return {
        "requests": summary["requests"],
        "errors": errors,
        "rps": round(summary["requests"] / (summary["duration_us"] / 1e6), 2),
        "p50_ms": round(summary["p50_us"] / 1000, 1),
        "p95_ms": round(summary["p95_us"] / 1000, 1),
        "p99_ms": round(summary["p99_us"] / 1000, 1),
        "max_ms": round(summary["max_us"] / 1000, 1),
        # One row per request: every answer's turn is in the log exactly once (the key is unique), and the
        # only rows without an answer are of requests cut off when wrk stopped.
        "turn_rows": rows,
        "answers_with_their_turn_row": found,
        "answers_without_turn_row": len(answered) - found,
        "rows_of_requests_cut_off_at_stop": rows - found,
        "rows_left_pending": pending,
        "server_rss_mb_before": rss_before,
        "server_rss_mb_peak": max([rss_before, rss_after, *samples]),
        "server_rss_mb_after": rss_after,
        "server_rss_growth_pct": round((rss_after - rss_before) / rss_before * 100, 1) if rss_before else 0.0,
        **extra,
    }


def count_turn_rows(target: Target, prefix: str, answered: set[str]) -> tuple[int, int, int]:
    """Rows of this phase, how many are still pending, and how many of the answered turns are among them."""
    deadline = time.monotonic() + 30
    while True:
        rows = target.turn_rows(prefix)
        pending = sum(1 for _, status in rows if status == "pending")
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    ids = {str(row_id).replace("-", "") for row_id, _ in rows}
    return len(rows), pending, len(answered & ids)


def services_vs_embedded(embedded: dict[str, Any], services: dict[str, Any]) -> dict[str, float]:
    """How many times slower the services stack is: p95 at the fixed rate, and the inverse of the
    sustainable maximum."""
    ratios: dict[str, float] = {}
    if embedded["fixed_rate"]["p95_ms"]:
        ratios["fixed_rate_p95"] = round(services["fixed_rate"]["p95_ms"] / embedded["fixed_rate"]["p95_ms"], 2)
    if "back_to_back" in embedded and services.get("back_to_back", {}).get("rps"):
        ratios["back_to_back_rps"] = round(embedded["back_to_back"]["rps"] / services["back_to_back"]["rps"], 2)
        ratios["back_to_back_p95"] = round(services["back_to_back"]["p95_ms"] / embedded["back_to_back"]["p95_ms"], 2)
    return ratios
