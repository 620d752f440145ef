"""The change-request approval `bench_load --approval` makes in the middle of the load, on the installation under
load, from a process of its own (`python -m chatbot.bench.approval`, started before the load so that its start-up
costs nothing during it). It reads one command a line on standard input and answers each with one JSON line:

- `golden N FILE...`: the golden set becomes N cases generated from the case files (see `golden`);
- `prepare`: a bench editor submits a harmless change request (one FAQ's answer with a sentence added);
- `start CHANGE`: a bench reviewer asks to approve it, which queues the regression check in the task cluster;
- `state CHECK`: the check's status and progress;
- `finish CHANGE`: the reviewer approves against the finished check.
"""

import datetime
import json
import sys
import time
from typing import Any

EDITOR = "bench-load-editor"
REVIEWER = "bench-load-reviewer"


def _users() -> tuple[Any, Any]:
    from django.contrib.auth.models import Permission, User

    editor, _created = User.objects.get_or_create(username=EDITOR, defaults={"is_staff": True})
    reviewer, _created = User.objects.get_or_create(username=REVIEWER, defaults={"is_staff": True})
    reviewer.user_permissions.add(Permission.objects.get(codename="review_changerequest"))
    return editor, User.objects.get(pk=reviewer.pk)


def prepare() -> dict[str, Any]:
    from changeflow import services
    from changeflow.drafts import ItemDraft
    from changeflow.models import ChangeKind
    from faq.models import DepartmentMember, Faq, FaqStatus
    from faq.selectors import today_local

    editor, _reviewer = _users()
    faq = Faq.objects.filter(status=FaqStatus.PUBLISHED, department__isnull=False).order_by("pk").first()
    if faq is None or faq.department is None:
        raise ValueError("no published FAQ with a department to change")
    DepartmentMember.objects.get_or_create(user=editor, department=faq.department)
    change = services.change_create(
        user=editor,
        kind=ChangeKind.FREE_TEXT,
        department=faq.department,
        title="bench_load: an answer with one sentence added",
        reason="load benchmark",
        effective_date=today_local() + datetime.timedelta(days=30),
        items=[ItemDraft(faq, faq.question, faq.answer + "詳しくは担当課へお問い合わせください。")],
        submit=True,
    )
    return {"change": change.pk, "faq": faq.pk}


def start(change_id: int) -> dict[str, Any]:
    from changeflow.approval import change_approve_requested
    from changeflow.models import ChangeRequest

    _editor, reviewer = _users()
    started = time.perf_counter()
    approval = change_approve_requested(ChangeRequest.objects.get(pk=change_id), user=reviewer)
    return {
        "approved": approval.approved,
        "check": approval.check.pk if approval.check else None,
        "request_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def finish(change_id: int) -> dict[str, Any]:
    from changeflow.approval import change_approve_requested
    from changeflow.models import ChangeRequest

    _editor, reviewer = _users()
    started = time.perf_counter()
    change = ChangeRequest.objects.get(pk=change_id)
    approval = change_approve_requested(change, user=reviewer, override_reason="load benchmark")
    change.refresh_from_db()
    return {
        "approved": approval.approved,
        "status": change.status,
        "request_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def state(check_id: int) -> dict[str, Any]:
    from changeflow.models import ApprovalCheck

    check = ApprovalCheck.objects.select_related("result").get(pk=check_id)
    return {
        "status": check.status,
        "done": check.cases_done,
        "total": check.cases_total,
        "passed": check.result.passed if check.result else None,
        "error": check.error,
        "seconds": round((check.finished_at - check.created_at).total_seconds(), 1) if check.finished_at else None,
    }


# Wordings of one case: as written, and with a greeting before and/or a request after it.
JA_VARIANTS = ("{}", "すみません、{}", "{}教えてください。", "すみません、{}教えてください。")
EN_VARIANTS = ("{}", "Excuse me, {}", "{} Please tell me.", "Excuse me, {} Please tell me.")


def golden(total: int, files: list[str]) -> dict[str, Any]:
    """Make the golden set `total` cases: case i is source case i mod S (the case files' cases whose right FAQs
    this installation has) in wording i div S (as written, with 「すみません、」 / "Excuse me," before, with
    「教えてください。」 / "Please tell me." after, or both), relabelled `bench-NNNN`. The cases in use before are
    set aside (inactive)."""
    import tempfile
    from pathlib import Path

    from chatbot.models import GoldenCase
    from chatbot.quality.golden import cases_import
    from faq.models import Faq

    known = {str(key) for key in Faq.objects.exclude(external_id=None).values_list("external_id", flat=True)}
    source = []
    for name in files:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                if set(case.get("relevant_ids") or []) <= known:
                    source.append(case)
    if not source:
        raise ValueError("no case of the case files fits this installation's FAQs")
    lines = []
    for number in range(total):
        case = dict(source[number % len(source)])
        variants = EN_VARIANTS if case.get("lang") == "en" else JA_VARIANTS
        case["query"] = variants[(number // len(source)) % len(variants)].format(case["query"])
        case["id"] = f"bench-{number:04d}"
        lines.append(json.dumps(case, ensure_ascii=False) + "\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-golden.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        GoldenCase.objects.filter(active=True).update(active=False)
        counts = cases_import([path])
    return {"cases": GoldenCase.objects.filter(active=True).count(), "sources": len(source), **counts}


def serve() -> None:
    import django

    django.setup()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        action, arguments = words[0], words[1:]
        try:
            if action == "golden":
                result = golden(int(arguments[0]), arguments[1:])
            elif action == "prepare":
                result = prepare()
            elif action == "start":
                result = start(int(arguments[0]))
            elif action == "state":
                result = state(int(arguments[0]))
            elif action == "finish":
                result = finish(int(arguments[0]))
            else:
                result = {"error": f"unknown command {action}"}
        except Exception as exc:  # reported to bench_load, which stops with it
            result = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
