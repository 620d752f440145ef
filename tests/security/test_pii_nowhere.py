"""Personal data residents type is found nowhere: not in any database row, log record, task payload, monthly
report export or outbound LLM request (docs/RELIABILITY.md, "Privacy").

The corpus (tests/chatbot/pii_corpus.py, FULL_CORPUS: CORPUS and EXTENDED_CORPUS) holds more than 500 distinct
personal items of every kind inside real questions: phone numbers in every Japanese shape (half- and full-width
digits, every dash variant, parentheses, +81), e-mail addresses, postal codes with and without 〒, valid and
invalid My Numbers, addresses with 丁目/番地/号, names with 様/さん/殿 (kanji, kana, romaji), dates of birth
(明治..令和 and Western), bank accounts and branch codes, card numbers, and several kinds in one question.

One run (the module fixture `run`, in one transaction rolled back at the end) sends every question through the
real pipeline over HTTP (Django's test client, POST /api/v1/chat, no rate limit, the real search index) with the
LLM composer configured against the fake OpenAI-compatible server (chatbot/llm/fake.py, a real HTTP server that
keeps the raw request bodies). Three questions in four pick an FAQ (as a resident does from the choices), so
they are answered and the model is asked; those answers are rated "not helpful" over POST /api/v1/feedback, one
rating in three with another question of the corpus as its comment. One question in four is asked as written
(most are handed off). Unanswered and unhelpful turns feed the month's groups of unanswered questions. Then the
month is aggregated (aggregate_month), `manage.py monthly_report` writes the CSV, XLSX and PDF reports, and
the aggregation and retention jobs are queued in django-q2's ORM broker and one is run by its worker in process.
Every log record of every logger at DEBUG is kept throughout (like caplog.set_level(DEBUG), but for a module
fixture, and for loggers with a level of their own or that do not propagate). Each test then looks for every
item in one place; how, and why short items are looked for with their neighbours, is in support_pii.py.

Not a leak: an item that is also part of the town's own data or of the product's fixed texts (FAQ answers,
department phone numbers such as 0000-11-1101, the LLM instructions, the resident messages, the report headers)
proves nothing wherever it is found, so `legitimate` items are skipped; there are none (EXPECTED_LEGITIMATE).

Recall (items that chatbot.privacy.redact removes / items) and the false-positive rate on ordinary questions
with numbers (pii_corpus.ALL_ORDINARY_QUESTIONS) are written to var/test-artifacts/security/pii.json and
printed on a line starting "PII:".
"""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import translation

from analytics.aggregation import aggregate_month
from analytics.months import current_month
from analytics.report.contents import CLUSTER_HEADER, DEPARTMENT_HEADER
from chatbot import messages
from chatbot.gate import DEFAULT_THRESHOLDS
from chatbot.llm import client as llm_client
from chatbot.llm.fake import FakeLlm
from chatbot.llm.prompts import PROMPT_V1
from chatbot.models import Composer, Feedback, GateConfig, LlmSwitch, Outcome, PromptVersion, Turn
from chatbot.privacy import KINDS, PLACEHOLDERS, redact
from faq.retrieval import vectorstore
from faq.retrieval.index import index_rebuild
from faq.retrieval.snapshot import forget_loaded_index
from tests.chatbot.pii_corpus import ALL_ORDINARY_QUESTIONS, DASHES, FULL_CORPUS, PiiCase, my_number_check_digit
from tests.factories import DepartmentFactory
from tests.faq.retrieval.conftest import town_create
from tests.security.support_pii import (
    Haystack,
    Needle,
    all_logs_at_debug,
    compact,
    leaves,
    needle,
    nfkc,
    orm_texts,
    table_texts,
    task_texts,
)

# The module's run needs the test database, which pytest-django only sets up for marked tests.
pytestmark = pytest.mark.django_db

ARTIFACT = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "security" / "pii.json"
PDFTOTEXT = Path("/usr/bin/pdftotext")
# At most this share of ordinary questions may be changed by redaction (observed: 0 of 304). One in a hundred is
# the most often a resident asking about fees, dates or opening hours should find a placeholder in their question.
FALSE_POSITIVE_BOUND = 0.01
# Corpus items that are also in the town's data or the fixed texts (see `legitimate`): none.
EXPECTED_LEGITIMATE: set[str] = set()
NATURAL_EVERY = 4  # one question in four is asked as written, the others with an FAQ picked
COMMENT_EVERY = 3  # one "not helpful" rating in three carries a comment
LLM_SETTINGS: dict[str, Any] = {
    "LLM_API_KEY": "",
    "LLM_MODEL": "fake",
    "ANSWER_COMPOSER": "chatbot.llm.composer.LlmComposer",
    "LLM_TIMEOUT_SECONDS": 10.0,  # the fake replies at once; a busy machine must not cause a retry
    "LLM_DEADLINE_SECONDS": 20.0,
    "LLM_MAX_CONCURRENCY": 4,
    "LLM_BREAKER_FAILURES": 1000,  # a slow reply on a busy machine must not switch the model off for the rest
    "LLM_BREAKER_COOLDOWN_SECONDS": 1.0,
    "LLM_MAX_SNIPPETS": 3,
    "LLM_CONTEXT_CHARS": 1200,
    "LLM_MAX_ANSWER_CHARS": 400,
    "LLM_TEMPERATURE": 0.0,
    "CHAT_RATE_LIMIT_PER_MINUTE": 0,
}


def _needles() -> list[Needle]:
    return [needle(item, kind, case.text) for case in FULL_CORPUS for item, kind in case.items]


NEEDLES = _needles()


# --------------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------------


def test_pii_corpus_has_500_distinct_items_of_every_kind_inside_questions() -> None:
    items = [(item, kind, case) for case in FULL_CORPUS for item, kind in case.items]
    distinct = {item for item, _kind, _case in items}
    assert len(distinct) >= 500, len(distinct)
    for item, _kind, case in items:
        assert item in case.text, (item, case.text)
        assert item != case.text.strip(), item  # inside a question, not alone
    by_kind = Counter(kind for _item, kind, _case in items)
    assert set(by_kind) == set(KINDS), by_kind
    assert min(by_kind.values()) >= 20, by_kind

    def of(kind: str) -> list[str]:
        return [item for item, k, _case in items if k == kind]

    phones = of("phone")
    for dash in DASHES:  # every dash variant, half-width and full-width digits, +81, parentheses
        assert any(dash in phone for phone in phones), dash
    assert any(phone.isascii() for phone in phones)
    assert any("０" <= c <= "９" for phone in phones for c in phone)
    assert any(phone.startswith(("+81", "＋８１", "(+81)", "0081")) for phone in phones)
    assert any("(" in phone or "（" in phone for phone in phones)
    assert any(p.startswith(prefix) for p in phones for prefix in ("090", "080", "070", "050", "0120", "0570"))
    digits = [compact(item) for item in of("my_number")]
    twelve = [d for d in digits if len(d) == 12 and d.isdigit()]
    assert any(my_number_check_digit(d[:11]) == d[11] for d in twelve)  # valid
    assert any(my_number_check_digit(d[:11]) != d[11] for d in twelve)  # invalid
    postal = [case.text for item, kind, case in items if kind == "postal_code"]
    assert any("〒" in text for text in postal)
    assert any("〒" not in text for text in postal)
    assert any("０" <= c <= "９" for item in of("postal_code") for c in item)
    addresses = of("address")
    for part in ("丁目", "番地", "号"):
        assert any(part in address for address in addresses), part
    names = [case.text[case.text.index(item) + len(item) :] for item, kind, case in items if kind == "name"]
    for honorific in ("様", "さん", "殿", "-san"):
        assert any(after.lstrip().startswith(honorific) for after in names), honorific
    births = of("birth_date")
    for era in ("明治", "大正", "昭和", "平成", "令和"):
        assert any(era in birth for birth in births), era
    assert any(birth[:4].isdigit() for birth in births)
    banks = [case.text for item, kind, case in items if kind == "bank_account"]
    for word in ("普通", "当座", "支店番号", "店番", "記号"):
        assert any(word in text for text in banks), word
    mixed = [case for case in FULL_CORPUS if len({kind for _item, kind in case.items}) >= 3]
    assert len(mixed) >= 8


# --------------------------------------------------------------------------------------------------
# Recall and false positives (redaction alone)
# --------------------------------------------------------------------------------------------------


def _removed(case: PiiCase, item: str, redacted: str) -> bool:
    """Whether the item is gone from the redacted question, in every form a leak is looked for in."""
    return Haystack("redacted question", [redacted]).find(needle(item, "", case.text)) is None


def test_pii_recall_and_false_positive_rate_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    total = removed = 0
    missed: list[dict[str, str]] = []
    by_kind: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}
    for case in FULL_CORPUS:
        redacted = redact(case.text).text
        for item, kind in case.items:
            total += 1
            by_kind[kind][1] += 1
            if _removed(case, item, redacted):
                removed += 1
                by_kind[kind][0] += 1
            else:
                missed.append({"kind": kind, "item": item, "question": case.text, "redacted": redacted})
    changed = [
        {"question": q, "redacted": result.text, "kinds": list(result.kinds)}
        for q in ALL_ORDINARY_QUESTIONS
        if (result := redact(q)).text != q or result.kinds
    ]
    recall = removed / total
    false_positive_rate = len(changed) / len(ALL_ORDINARY_QUESTIONS)
    report = {
        "recall": recall,
        "false_positive_rate": false_positive_rate,
        "items": total,
        "items_removed": removed,
        "distinct_items": len({item for case in FULL_CORPUS for item, _kind in case.items}),
        "questions": len(FULL_CORPUS),
        "recall_by_kind": {kind: {"removed": r, "items": n} for kind, (r, n) in by_kind.items()},
        "missed": missed,
        "ordinary_questions": len(ALL_ORDINARY_QUESTIONS),
        "false_positives": changed,
        "false_positive_bound": FALSE_POSITIVE_BOUND,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with capsys.disabled():
        print(
            f"\nPII: recall {recall:.4f} ({removed}/{total} items), false-positive rate {false_positive_rate:.4f} "
            f"({len(changed)}/{len(ALL_ORDINARY_QUESTIONS)} ordinary questions) -> {ARTIFACT}"
        )

    assert len(ALL_ORDINARY_QUESTIONS) >= 200
    assert len(set(ALL_ORDINARY_QUESTIONS)) == len(ALL_ORDINARY_QUESTIONS)
    assert false_positive_rate <= FALSE_POSITIVE_BOUND, changed
    assert missed == [], f"redaction missed {len(missed)} items: " + json.dumps(missed, ensure_ascii=False, indent=1)
    assert recall == 1.0


# --------------------------------------------------------------------------------------------------
# The run: every question through the pipeline, feedback, aggregation, exports, tasks
# --------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """What the run did, and the text of every place personal data could have gone."""

    month: datetime.date
    asked: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    feedback_statuses: Counter[int] = field(default_factory=Counter)
    sent_questions: dict[str, str] = field(default_factory=dict)  # client's idempotency key -> question asked
    stored_questions: dict[str, str] = field(default_factory=dict)  # client's idempotency key -> question stored
    outcomes: Counter[str] = field(default_factory=Counter)
    answer_failures: Counter[str] = field(default_factory=Counter)
    llm_turns: int = 0
    llm_requests: int = 0
    llm_questions: list[str] = field(default_factory=list)
    feedback_comments: list[str] = field(default_factory=list)
    clusters: int = 0
    reports: dict[str, bytes] = field(default_factory=dict)
    export_error: str = ""
    orm_queued: int = 0
    tasks_run: int = 0
    task_results: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    log_records: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    baseline: Haystack = field(default_factory=lambda: Haystack("baseline", []))
    legitimate: set[str] = field(default_factory=set)
    places: dict[str, Haystack] = field(default_factory=dict)


def _letters(number: int) -> str:
    """An idempotency key part without digits (a digit there could look like part of a number)."""
    text = ""
    while True:
        number, rest = divmod(number, 26)
        text = chr(ord("a") + rest) + text
        if number == 0:
            return text


def _fixed_texts() -> list[str]:
    """Texts of the product itself that turns, requests and reports carry whatever the resident asked."""
    texts = [PROMPT_V1, *CLUSTER_HEADER, *DEPARTMENT_HEADER]
    for lang in ("ja", "en"):
        with translation.override(lang):
            texts += [str(template) for template in messages.TEXTS.values()]
    return texts


def _setup_town() -> dict[str, Any]:
    """The small town of the chat tests, its general reception, the active gate, prompt and LLM switch, indexed."""
    DepartmentFactory.create(
        code="SOGO",
        name="総合案内",
        name_en="General Reception",
        phone="0000-11-1000",
        window="本庁舎1階 総合案内",
        hours="平日 8:30〜17:15",
        closed_days="土日祝日、年末年始",
        is_general_reception=True,
    )
    if not GateConfig.objects.filter(is_active=True).exists():
        GateConfig.objects.create(kind="thresholds", is_active=True, parameters=dict(DEFAULT_THRESHOLDS))
    if not PromptVersion.objects.filter(is_active=True).exists():
        PromptVersion.objects.create(text=PROMPT_V1, is_active=True, note="version 1 (shipped)")
    LlmSwitch.objects.update_or_create(pk=1, defaults={"enabled": True})
    town = town_create()
    index_rebuild()
    return town


def _post(client: Client, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    extra: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, data=json.dumps(body, ensure_ascii=False), content_type="application/json", **extra)


def _picked(i: int) -> bool:
    return i % NATURAL_EVERY != NATURAL_EVERY - 1


def _ask_everything(run: Run, town: dict[str, Any]) -> None:
    """Every question once (see the module's docstring), and the ratings of the answers to picked FAQs."""
    client = Client()
    faqs = [town[key].pk for key in sorted(town)]
    for i, case in enumerate(FULL_CORPUS):
        key = f"pii-nowhere-{_letters(i)}"
        body: dict[str, Any] = {"question": case.text}
        if _picked(i):
            body["faq_id"] = faqs[i % len(faqs)]
        response = _post(client, "/api/v1/chat", body, key)
        run.asked += 1
        run.statuses[response.status_code] += 1
        run.sent_questions[key] = case.text
        if response.status_code != 200 or not _picked(i):
            continue
        rating: dict[str, Any] = {"turn_id": response.json()["turn_id"], "helpful": False}
        if i % COMMENT_EVERY == 0:
            rating["comment"] = FULL_CORPUS[(i * 7 + 3) % len(FULL_CORPUS)].text
        run.feedback_statuses[_post(client, "/api/v1/feedback", rating).status_code] += 1


def _exports(run: Run, folder: Path) -> None:
    """This month aggregated, and `manage.py monthly_report` in every format."""
    run.clusters = aggregate_month(run.month).clusters.count()
    for fmt in ("csv", "xlsx", "pdf"):
        out = folder / f"report.{fmt}"
        call_command(
            "monthly_report", "--month", f"{run.month:%Y-%m}", "--format", fmt, "--out", str(out), stdout=io.StringIO()
        )
        run.reports[fmt] = out.read_bytes()
    from openpyxl import load_workbook

    xlsx = run.reports["xlsx"]
    cells = [
        str(value)
        for sheet in load_workbook(io.BytesIO(xlsx)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        parts = [archive.read(name).decode("utf-8", "ignore") for name in archive.namelist() if name.endswith(".xml")]
    run.places["export.csv"] = Haystack("monthly report CSV", run.reports["csv"].decode("utf-8-sig").splitlines())
    run.places["export.xlsx"] = Haystack("monthly report XLSX (cells and XML parts)", [*cells, *parts])


def _tasks(run: Run) -> None:
    """The analytics jobs in django-q2: queued in the ORM broker, and one run by its worker (a Task row)."""
    from django_q.models import OrmQ, Task
    from django_q.tasks import async_task

    month = f"{run.month:%Y-%m}"
    # As staff's "recompute" queues a large month, and as the schedules queue the monthly and retention jobs.
    async_task("analytics.tasks.aggregate_one", month, task_name=f"aggregate-{month}")
    async_task("analytics.tasks.aggregate_months", task_name="aggregate-due")
    async_task("analytics.tasks.purge_turns", task_name="purge-turns")
    # django-q2's own worker and monitor in this process (sync): the result is saved as a Task.
    async_task("analytics.tasks.aggregate_one", month, task_name=f"aggregate-{month}-now", sync=True)
    run.orm_queued = OrmQ.objects.count()
    run.tasks_run = Task.objects.count()
    run.task_results = [str(task.result) for task in Task.objects.all()]
    run.places["tasks"] = Haystack("django-q2 task payloads (OrmQ decoded, Task, Schedule)", task_texts())


def _database(run: Run) -> None:
    turns = list(Turn.objects.values_list("idempotency_key", "question", "outcome", "composer"))
    run.stored_questions = {key.removeprefix("http:"): question for key, question, _o, _c in turns}
    run.outcomes = Counter(outcome for _k, _q, outcome, _c in turns)
    run.llm_turns = sum(1 for *_rest, composer in turns if composer == Composer.LLM)
    run.answer_failures = Counter(Turn.objects.filter(outcome=Outcome.ANSWER).values_list("failure_class", flat=True))
    run.feedback_comments = [c for c in Feedback.objects.values_list("comment", flat=True) if c]
    with connection.cursor() as cursor:
        run.tables = list(connection.introspection.table_names(cursor))
    run.places["database"] = Haystack("database rows (every model, through the ORM)", orm_texts())
    run.places["tables"] = Haystack("database tables (every table, as stored)", table_texts())


def _llm(run: Run, fake: FakeLlm) -> None:
    # Every request is searched (FAQ translations too); the replies' requests are counted.
    bodies = [raw.decode("utf-8") for raw in fake.all_raw_requests]
    decoded = [json.loads(body) for body in bodies]
    run.llm_requests = len(fake.raw_requests)
    run.llm_questions = [json.loads(body["messages"][-1]["content"])["question"] for body in fake.requests]
    texts = [*bodies, *(text for body in decoded for text in leaves(body))]
    run.places["llm"] = Haystack("outbound LLM requests (raw bodies, and decoded)", texts)


@pytest.fixture(scope="module")
def run(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    chroma = tmp_path_factory.mktemp("pii-chroma")
    reports = tmp_path_factory.mktemp("pii-reports")
    started = time.perf_counter()

    def phase(name: str) -> None:
        result.phases[name] = round(time.perf_counter() - started, 1)

    fake = FakeLlm().start()
    forget_loaded_index()
    llm_client.reset()
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(LLM_BASE_URL=fake.url, CHROMA_PATH=chroma, CHROMA_HOST="", **LLM_SETTINGS),
            transaction.atomic(),
        ):
            town = _setup_town()
            result = Run(month=current_month())
            result.baseline = Haystack("town data and fixed texts", [*orm_texts(), *_fixed_texts()])
            result.legitimate = {mark.label for mark in NEEDLES if result.baseline.find(mark) is not None}
            phase("setup")
            with all_logs_at_debug() as logs:
                _ask_everything(result, town)
                phase("ask")
                try:
                    _exports(result, reports)
                except Exception:  # the export test reports it; the other places are still checked
                    result.export_error = traceback.format_exc()
                phase("exports")
                _tasks(result)
                phase("tasks")
                _database(result)
            result.log_records = logs.count
            result.places["logs"] = Haystack("log records (every logger at DEBUG)", logs.lines)
            _llm(result, fake)
            phase("collected")
            transaction.set_rollback(True)
        yield result
    finally:
        fake.stop()
        llm_client.reset()
        forget_loaded_index()
        vectorstore.forget_client(chroma)


# --------------------------------------------------------------------------------------------------
# Each place
# --------------------------------------------------------------------------------------------------


def assert_nowhere(run: Run, place: str) -> None:
    haystack = run.places[place]
    assert len(haystack) > 0, f"nothing was captured from {haystack.name}"
    leaks = haystack.leaks(mark for mark in NEEDLES if mark.label not in run.legitimate)
    assert leaks == {}, f"{len(leaks)} personal items in {haystack.name}:\n" + "\n".join(
        f"  {label}  <-  ...{where}..." for label, where in sorted(leaks.items())
    )


def test_pii_run_took_every_question_through_the_pipeline_with_the_llm(
    run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print(
            f"\nPII run: {run.asked} questions, outcomes {dict(run.outcomes)}, {run.llm_requests} LLM requests "
            f"({run.llm_turns} replies used; failure classes of answers {dict(run.answer_failures)}), "
            f"{len(run.feedback_comments)} feedback comments, {run.clusters} groups, {run.log_records} log records, "
            f"{run.orm_queued} queued and {run.tasks_run} run tasks; seconds {run.phases}; characters searched "
            f"{ {name: len(place) for name, place in run.places.items()} }"
        )
    assert run.asked == len(FULL_CORPUS)
    assert run.statuses == Counter({200: run.asked})
    # One turn per question, and what is stored is what redaction made of the question, nothing more.
    assert set(run.stored_questions) == set(run.sent_questions)
    assert {key: redact(question).text for key, question in run.sent_questions.items()} == run.stored_questions
    picked = sum(1 for i in range(len(FULL_CORPUS)) if _picked(i))
    assert run.outcomes[Outcome.ANSWER] >= picked
    assert run.outcomes[Outcome.HANDOFF] + run.outcomes[Outcome.CLARIFY] > 0
    # Every answer asked the model once, with the redacted question. Most replies passed the checks; the fake
    # model answers an English question with the Japanese FAQ's first sentence, which the language check
    # refuses (llm_invalid_output: the resident gets the FAQ's own text, after the request was made).
    assert run.llm_requests == run.outcomes[Outcome.ANSWER], run.answer_failures
    assert run.llm_turns >= run.outcomes[Outcome.ANSWER] * 0.7, run.answer_failures
    sent = [question for question in run.llm_questions if any(p in question for p in PLACEHOLDERS.values())]
    assert len(sent) >= picked * 0.95
    assert {kind for kind, p in PLACEHOLDERS.items() if any(p in question for question in sent)} == set(KINDS)
    # Every answer to a picked FAQ was rated, one in three with a comment, stored redacted.
    assert run.feedback_statuses == Counter({200: picked})
    commented = [i for i in range(len(FULL_CORPUS)) if _picked(i) and i % COMMENT_EVERY == 0]
    assert len(run.feedback_comments) == len(commented)
    with_placeholders = [c for c in run.feedback_comments if any(p in c for p in PLACEHOLDERS.values())]
    assert len(with_placeholders) >= len(commented) * 0.95


def test_pii_legitimate_occurrences_are_the_documented_ones(run: Run) -> None:
    # The FAQ answers, department phone numbers, LLM instructions, resident messages and report headers share no
    # item with the corpus. An item that they did contain would be skipped everywhere: list it here, with why.
    assert run.legitimate == EXPECTED_LEGITIMATE
    assert "0000-11-1101" in run.baseline.raw
    assert "住民票の写しは住民課の窓口で請求できます" in run.baseline.raw


def test_pii_is_in_no_database_row(run: Run) -> None:
    database = run.places["database"].raw
    assert "［電話番号］" in database  # the redacted questions and comments are there
    assert "［氏名］" in database
    assert_nowhere(run, "database")


def test_pii_is_in_no_database_table_as_stored(run: Run) -> None:
    wanted = {"chatbot_turn", "chatbot_feedback", "analytics_gapcluster", "django_q_ormq", "django_q_task"}
    assert wanted <= set(run.tables)
    assert_nowhere(run, "tables")


def test_pii_is_in_no_log_record(run: Run) -> None:
    assert run.log_records > run.asked  # at DEBUG every request logs something (the LLM's HTTP client at least)
    assert "aggregated" in run.places["logs"].raw  # ... and so do the monthly aggregation and the task worker
    assert_nowhere(run, "logs")


def test_pii_is_in_no_outbound_llm_request(run: Run) -> None:
    assert run.llm_requests > 0
    assert_nowhere(run, "llm")


def test_pii_is_in_no_monthly_report_export(run: Run, tmp_path: Path) -> None:
    assert not run.export_error, f"the monthly report could not be made:\n{run.export_error}"
    if not PDFTOTEXT.is_file():
        pytest.fail(f"{PDFTOTEXT} is missing: install poppler-utils (`make browser`) to read the PDF report's text")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(run.reports["pdf"])
    text = subprocess.run(
        [str(PDFTOTEXT), "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    run.places["export.pdf"] = Haystack("monthly report PDF (pdftotext)", text.splitlines())
    assert run.clusters > 0
    for place in ("export.csv", "export.xlsx", "export.pdf"):
        raw = nfkc(run.places[place].raw)
        assert "代表的な質問" in raw, place  # the table of the groups of unanswered questions
        # ... showing redacted questions: the check does look at what residents wrote.
        assert any(nfkc(placeholder) in raw for placeholder in PLACEHOLDERS.values()), place
        assert_nowhere(run, place)


def test_pii_is_in_no_task_payload(run: Run) -> None:
    assert run.orm_queued >= 3  # queued packages, decoded with django_q.signing
    assert run.tasks_run >= 1
    assert any("aggregated" in result and "turns" in result for result in run.task_results), run.task_results
    assert_nowhere(run, "tasks")
