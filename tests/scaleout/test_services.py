"""The same code on PostgreSQL, Redis and a chromadb server, by configuration alone.

The servers are real (Debian's postgresql and redis-server, the chromadb
package's `chroma run`), started on 127.0.0.1 for this module and stopped after.
"""

import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import redis

from chatbot.bench.services import ServiceStack
from tests.scaleout.conftest import ROOT, Installation, ask

# The tests whose behaviour can differ by engine, run again on the services: transactions, locks and concurrent
# writers (idempotent turns, imports, publication, rollback), JSON and text columns, the vector store's
# collections and index generations, the cache (rate limits, the LLM breaker), the task broker (schedules,
# notifications, the approval check) and backups. The rest of the suite runs once, on the embedded defaults.
# Tests marked `embedded_only` check the embedded defaults themselves (a chromadb directory on disk, SQLite
# files) and are left out.
SUITE_ON_SERVICES = [
    "tests/faq/retrieval/test_index.py",
    "tests/faq/retrieval/test_vectorstore.py",
    "tests/faq/retrieval/test_commands.py",
    "tests/faq/test_importing.py",
    "tests/faq/test_import_command.py",
    "tests/faq/test_models.py",
    "tests/chatbot/test_pipeline.py",
    "tests/chatbot/test_api.py",
    "tests/chatbot/test_health.py",
    "tests/chatbot/test_backup.py",
    "tests/chatbot/test_regression_publish.py",
    "tests/chatbot/test_evaluation_runs.py",
    "tests/chatbot/test_monitoring.py",
    "tests/chatbot/test_turn_log_admin.py",
    "tests/chatbot/llm/test_breaker_and_busy.py",
    "tests/changeflow/test_publication.py",
    "tests/changeflow/test_transitions.py",
    "tests/changeflow/test_notifications.py",
    "tests/changeflow/test_rollback.py",
    "tests/changeflow/test_search_index.py",
    "tests/analytics/test_aggregates.py",
    "tests/analytics/test_retention.py",
    "tests/analytics/test_schedules.py",
]

NEW_QUESTION = "公園でドローンを飛ばしてもいいですか"


def test_the_suite_passes_on_postgresql_redis_and_a_chromadb_server(stack: ServiceStack, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CHROMA_HOST")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=--strict-markers",
            "-m",
            "not embedded_only",
            "--ignore-glob",
            "*browser*",
            "--ignore",
            "tests/chatbot/test_bench_load.py",
            *SUITE_ON_SERVICES,
        ],
        env=env | stack.env() | {"TEST_ON_SERVICES": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    (tmp_path / "pytest.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed, summary
    assert int(passed.group(1)) >= 300, summary
    assert "failed" not in summary, summary
    assert "error" not in summary, summary


def test_every_worker_answers_an_faq_published_through_another_process(installation: Installation) -> None:
    host = installation.gunicorn(workers=3)
    status, before = ask(host, NEW_QUESTION)
    assert status == 200
    cited_before = {source["faq_id"] for source in before["sources"]} if before["outcome"] == "answer" else set()

    # Staff publish a new FAQ from another process (as the admin or an import would).
    installation.manage(
        "shell",
        "-c",
        "from faq.models import Department, Faq\n"
        "from faq.services import faq_save\n"
        "department = Department.objects.get(is_general_reception=True)\n"
        "faq = Faq(external_id='SCALE-1', department=department, status='published',\n"
        f"    question='{NEW_QUESTION}', answer='町内の公園でのドローンの飛行は禁止しています。')\n"
        "faq_save(faq=faq, reason='scale-out test')\n",
    )
    new_id = installation.sql("SELECT id FROM faq_faq WHERE external_id = 'SCALE-1'")[0][0]
    assert new_id not in cited_before

    # Each question on a new connection: gunicorn's workers take them in turn, and every one of them answers
    # with the new FAQ at once.
    for _ in range(12):
        status, body = ask(host, NEW_QUESTION)
        assert status == 200
        assert body["outcome"] == "answer", body
        assert body["sources"][0]["faq_id"] == new_id, body


def test_the_rate_limit_is_shared_by_every_server_through_redis(installation: Installation) -> None:
    first = installation.gunicorn(workers=2, CHAT_RATE_LIMIT_PER_MINUTE="5")
    second = installation.gunicorn(workers=2, CHAT_RATE_LIMIT_PER_MINUTE="5")
    # Stay inside one minute's window, with none of the earlier tests' requests counted in it.
    while datetime.datetime.now().second > 45:
        time.sleep(1)
    redis.from_url(installation.stack.redis_url).flushdb()
    statuses = [ask(host, "住民票の写しがほしい")[0] for host in (first, second, first, second, first, second)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_two_task_clusters_on_redis_run_each_due_schedule_exactly_once(installation: Installation) -> None:
    installation.sql("DELETE FROM django_q_task")
    installation.sql("UPDATE django_q_schedule SET next_run = now() - interval '1 minute' WHERE repeats <> 0")
    due = {name for (name,) in installation.sql("SELECT name FROM django_q_schedule WHERE repeats <> 0")}
    assert {"changeflow: publish due changes", "analytics: monthly aggregation"} <= due
    clusters = [
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            env=installation.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(installation.data / f"qcluster-{number}.log").open("wb"),
        )
        for number in range(2)
    ]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = {name for (name,) in installation.sql('SELECT DISTINCT "group" FROM django_q_task')}
            if due <= done:
                break
            time.sleep(1)
        # Both clusters' schedulers have had their turn (they look every 30 s).
        time.sleep(35)
    finally:
        for cluster in clusters:
            cluster.terminate()
        for cluster in clusters:
            try:
                cluster.wait(timeout=60)
            except subprocess.TimeoutExpired:
                cluster.kill()
    runs = dict(installation.sql('SELECT "group", count(*) FROM django_q_task GROUP BY "group"'))
    # The publication schedule repeats every minute: at most twice in this window, never twice at once.
    assert runs.get("analytics: monthly aggregation") == 1, runs
    assert runs.get("analytics: turn retention") == 1, runs
    assert runs.get("chatbot: reap abandoned turns", 1) == 1, runs
    assert 1 <= runs.get("changeflow: publish due changes", 0) <= 2, runs
    failures = installation.sql('SELECT "group" FROM django_q_task WHERE NOT success')
    assert failures == [], failures


def test_restore_drill_on_postgresql(installation: Installation, tmp_path: Path) -> None:
    dump = tmp_path / "town.dump"
    faqs = installation.sql("SELECT count(*) FROM faq_faq")[0][0]
    out = installation.manage("backup", "--out", str(dump))
    assert "postgresql" in out
    assert dump.read_bytes().startswith(b"PGDMP")

    departments = installation.sql("SELECT code, name FROM faq_department ORDER BY code")
    published = installation.sql("SELECT count(*) FROM faq_faq WHERE status = 'published'")[0][0]
    installation.sql("UPDATE faq_faq SET status = 'withdrawn'")
    installation.sql("UPDATE faq_department SET name = name || '（バックアップ後に変更）'")

    out = installation.manage("restore", str(dump), "--yes")
    assert "restored (postgresql)" in out
    assert installation.sql("SELECT count(*) FROM faq_faq WHERE status = 'published'")[0][0] == published > 0
    assert installation.sql("SELECT count(*) FROM faq_faq")[0][0] == faqs
    assert installation.sql("SELECT code, name FROM faq_department ORDER BY code") == departments
    # The index was rebuilt on the chromadb server and answers.
    host = installation.gunicorn(workers=1)
    status, body = ask(host, "粗大ごみを出したい")
    assert status == 200, body
    assert body["outcome"] in {"answer", "clarify"}, body
