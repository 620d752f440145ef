"""Permission matrix: every role against every page and action, generated from the URL conf.

The URL conf is walked (admin's generated URLs included), every URL is filled
with real objects and requested as each role; the outcome class (ok, redirect,
login, forbidden, not found, ...) must be the one `permission_rules.RULES`
expects. A URL without a rule fails, and so does a rule whose URL is gone.
POST actions are checked the same way, and a role that may not act must
change nothing in the database. On every page, the roles in
LEAK_CHECKED_ROLES must never see the other department's draft FAQ, its change
request or the turn log.

One set of objects serves the whole module (built once, inside a transaction
that is rolled back at the end); each test runs in a savepoint of its own.
"""

import datetime
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from analytics.models import GapAction, GapActionKind, GapCluster, MonthlyAggregate
from analytics.months import current_month
from changeflow import services
from changeflow.drafts import ItemDraft
from changeflow.models import (
    ApprovalCheck,
    ChangeEvent,
    ChangeItem,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
)
from changeflow.staff import department_editor_group_ensure, faq_admin_group_ensure
from chatbot.models import (
    Channel,
    EvaluationRun,
    Feedback,
    GateConfig,
    GoldenCase,
    Incident,
    LlmSwitch,
    MachineTranslation,
    MonitorCheck,
    Outcome,
    PromptVersion,
    RegressionCheck,
    Turn,
    TurnStatus,
)
from faq.models import Category, Department, DepartmentMember, Faq, FaqStatus, IndexGeneration, IndexStatus
from faq.selectors import today_local
from tests.factories import CategoryFactory, DepartmentFactory, FaqFactory, UserFactory
from tests.security import permission_rules as R

ARTIFACT = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "security" / "permissions.json"

# Texts only reviewers and superusers may ever see: another department's draft FAQ and change request, the turn log.
MARKERS = (
    "PMXLEAK-他部署の下書き質問",
    "PMXLEAK-他部署の下書き回答",
    "PMXLEAK-他部署の変更申請",
    "PMXLEAK-他部署の申請理由",
    "PMXLEAK-住民の質問ログ",
)
MONTH = datetime.date(2025, 5, 1)
MONTH_TEXT = "2025-05"


# ---------------------------------------------------------------- the URL conf


@dataclass(frozen=True)
class UrlEntry:
    key: str  # the URL's name (namespaced), or its route when it has none
    route: str
    name: str | None
    callback: Callable[..., Any]
    patterns: tuple[Any, ...]  # the RoutePattern / RegexPattern of each level, root first


def url_entries() -> list[UrlEntry]:
    """Every URL pattern of the project, recursively through includes and admin.site.urls."""
    entries: list[UrlEntry] = []

    def walk(patterns: Any, parents: tuple[Any, ...], namespace: str) -> None:
        for item in patterns:
            if isinstance(item, URLResolver):
                inner = f"{namespace}:{item.namespace}" if namespace and item.namespace else item.namespace or namespace
                walk(item.url_patterns, (*parents, item.pattern), inner or "")
            elif isinstance(item, URLPattern):
                levels = (*parents, item.pattern)
                route = "".join(str(level) for level in levels)
                name = f"{namespace}:{item.name}" if namespace and item.name else item.name
                entries.append(UrlEntry(name or route, route, name, item.callback, levels))
            else:  # pragma: no cover - Django has no third kind
                raise TypeError(item)

    walk(get_resolver().url_patterns, (), "")
    return entries


ENTRIES = url_entries()
ENTRY_BY_KEY = {entry.key: entry for entry in ENTRIES}


def admin_model_of(entry: UrlEntry) -> type[models.Model] | None:
    """The model of one of admin's generated URLs (admin/<app>/<model>/...), else None."""
    for model in admin.site._registry:
        prefix = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        if entry.route.startswith(prefix):
            return model
    return None


def fill(entry: UrlEntry, args: list[Any], kwargs: dict[str, Any]) -> str:
    """The URL of `entry` with its parameters filled in (route converters and regex groups alike)."""
    positional = [str(value) for value in args]
    named = {key: str(value) for key, value in kwargs.items()}
    used: set[str] = set()
    parts = []
    for level in entry.patterns:
        if isinstance(level, RoutePattern):

            def route_value(match: re.Match[str]) -> str:
                used.add(match["name"])
                return _value(entry, named, match["name"])

            parts.append(re.sub(r"<(?:[^>:]+:)?(?P<name>[^>]+)>", route_value, str(level)))
        elif isinstance(level, RegexPattern):
            parts.append(_fill_regex(entry, str(level), positional, named, used))
        else:  # pragma: no cover
            raise TypeError(level)
    unused = set(named) - used
    assert not unused, f"{entry.key}: named parameters left over: {unused}"
    assert not positional, f"{entry.key}: positional parameters left over: {positional}"
    return "/" + "".join(parts)


def _value(entry: UrlEntry, named: dict[str, str], name: str) -> str:
    assert name in named, f"no value for the parameter {name!r} of {entry.key}: add it to path_values()"
    return named[name]


def _fill_regex(entry: UrlEntry, regex: str, positional: list[str], named: dict[str, str], used: set[str]) -> str:
    """A regex route with each group replaced by its value; only literal text may surround the groups."""
    out = []
    i = 0
    text = regex.removeprefix("^")
    while i < len(text):
        char = text[i]
        if char == "\\":
            out.append(text[i + 1])
            i += 2
        elif char == "(":
            depth, j = 0, i
            while True:
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            group = text[i : j + 1]
            name = re.match(r"\(\?P<(\w+)>", group)
            if name:
                out.append(_value(entry, named, name[1]))
                used.add(name[1])
            elif group.startswith("(?"):
                raise AssertionError(f"cannot fill the group {group!r} of {regex!r}")
            else:
                assert positional, f"no value for a positional group of {entry.key}: add it to path_values()"
                out.append(positional.pop(0))
            i = j + 1
        elif char == "$" and i == len(text) - 1:
            i += 1
        elif char in ".*+?[]{}|^$":
            raise AssertionError(f"cannot fill {regex!r}: {char!r} outside a group")
        else:
            out.append(char)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------- the objects


@dataclass
class World:
    users: dict[str, User]
    own: Department
    other: Department
    category: Category
    faq_own: Faq  # published, 自部署, due for review
    faq_own_draft: Faq  # a draft of 自部署 nobody else refers to (publish, delete)
    faq_other: Faq  # published, 他部署, due for review
    faq_other_draft: Faq  # a draft of 他部署 carrying the leak markers
    change_own: ChangeRequest  # submitted by another editor of 自部署
    change_other: ChangeRequest  # submitted by 他部署's editor, carrying the markers
    change_published: ChangeRequest  # 自部署, published (for the roll-back)
    change_by_reviewer: ChangeRequest  # 自部署, submitted by the reviewer themselves
    change_draft: ChangeRequest  # 自部署, a draft of another editor of 自部署
    turn: Turn
    aggregate: MonthlyAggregate
    cluster: GapCluster
    gate_old: GateConfig
    prompt_old: PromptVersion
    spare_category: Category
    admin_objects: dict[str, dict[str, models.Model]] = field(default_factory=dict)


def _user(username: str, **fields: Any) -> User:
    return UserFactory.create(username=username, email=f"{username}@example.org", **fields)


def build_world() -> World:
    reviewers, editors = faq_admin_group_ensure(), department_editor_group_ensure()
    own = DepartmentFactory.create(code="PMOWN", name="権限自部署課", phone="0000-33-0001")
    other = DepartmentFactory.create(code="PMOTHER", name="権限他部署課", phone="0000-33-0002")
    users = {
        R.USER: _user("pm_resident"),
        R.STAFF: _user("pm_staff", is_staff=True),
        R.EDITOR: _user("pm_editor", is_staff=True),
        R.REVIEWER: _user("pm_reviewer", is_staff=True),
        R.SUPERUSER: _user("pm_superuser", is_staff=True, is_superuser=True),
    }
    colleague = _user("pm_editor_colleague", is_staff=True)  # another editor of the own department
    outsider = _user("pm_editor_other", is_staff=True)  # the other department's editor
    for user, department in ((users[R.EDITOR], own), (colleague, own), (outsider, other)):
        user.groups.add(editors)
        DepartmentMember.objects.create(user=user, department=department)
    users[R.REVIEWER].groups.add(reviewers)

    category = CategoryFactory.create()
    due = today_local() - datetime.timedelta(days=3)
    faq_own = FaqFactory.create(
        department=own,
        category=category,
        question="権限テストの手数料は？",
        answer="手数料は500円です。",
        review_by=due,
    )
    faq_own_published = FaqFactory.create(
        department=own, category=category, question="権限テストの受付時間は？", answer="受付は9時からです。"
    )
    faq_own_draft = FaqFactory.create(
        department=own, category=category, status=FaqStatus.DRAFT, question="権限テストの下書き", answer="下書きの回答"
    )
    faq_other = FaqFactory.create(
        department=other, category=category, question="他部署の手数料は？", answer="手数料は300円です。", review_by=due
    )
    faq_other_draft = FaqFactory.create(
        department=other, category=category, status=FaqStatus.DRAFT, question=MARKERS[0], answer=MARKERS[1]
    )

    def change(
        user: User, faq: Faq, old: str, new: str, title: str, reason: str, days: int, submit: bool = True
    ) -> ChangeRequest:
        return services.change_create(
            user=user,
            kind=ChangeKind.FEE if old else ChangeKind.FREE_TEXT,
            department=faq.department,  # type: ignore[arg-type]
            title=title,
            effective_date=today_local() + datetime.timedelta(days=days),
            reason=reason,
            items=[ItemDraft(faq, faq.question, faq.answer.replace(old, new) if old else faq.answer + "新")],
            old_value=old,
            new_value=new,
            submit=submit,
        )

    change_own = change(colleague, faq_own, "500円", "700円", "権限テストの手数料改定", "条例改正", 5)
    change_other = change(outsider, faq_other, "300円", "350円", MARKERS[2], MARKERS[3], 5)
    change_published = change(colleague, faq_own_published, "9時", "8時半", "受付時間の変更", "窓口の変更", 0)
    services.change_approve(change=change_published, user=users[R.REVIEWER])
    change_published.refresh_from_db()
    assert change_published.status == ChangeStatus.PUBLISHED, change_published.status
    faq_own_extra = FaqFactory.create(
        department=own, category=category, question="権限テストの持ち物は？", answer="印鑑が必要です。"
    )
    change_by_reviewer = change(users[R.REVIEWER], faq_own_extra, "", "", "審査者自身の申請", "自分で申請", 5)
    change_draft = change(colleague, faq_own_extra, "", "", "同僚の下書き", "下書きのまま", 5, submit=False)

    gate_active = GateConfig.objects.filter(is_active=True).first() or GateConfig.objects.create(
        is_active=True, parameters={}, note="active"
    )
    gate_old = GateConfig.objects.create(is_active=False, parameters={}, note="an older version")
    prompt_active = PromptVersion.objects.filter(is_active=True).first() or PromptVersion.objects.create(
        is_active=True, text="instructions"
    )
    prompt_old = PromptVersion.objects.create(is_active=False, text="older instructions", note="older")
    switch, _created = LlmSwitch.objects.get_or_create(pk=1, defaults={"enabled": True})
    golden = GoldenCase.objects.create(case_id="pm-golden", query="粗大ごみの出し方", answerable=False)
    translation = MachineTranslation.objects.create(
        faq=faq_own,
        faq_version=faq_own.history.latest().history_id,
        source_question=faq_own.question,
        source_answer=faq_own.answer,
        question_en="Permission test question",
        answer_en="Permission test answer.",
    )
    evaluation = EvaluationRun.objects.create(trigger="command", cases_label="golden set", metrics={"n": 1})
    regression = RegressionCheck.objects.create(
        action="gate", target="gate version 0", baseline=evaluation, candidate=evaluation, passed=True
    )
    incident = Incident.objects.create(
        monitor="canary", title="カナリア: 2 of 5", symptom="quality", suspected_cause="index"
    )
    reading = MonitorCheck.objects.create(
        monitor="canary", breached=True, value=2.0, message="2 of 5", incident=incident
    )

    turn = Turn.objects.create(
        idempotency_key=f"api:pm-{uuid.uuid4().hex}",
        channel=Channel.API,
        status=TurnStatus.COMPLETED,
        question=MARKERS[4],
        lang="ja",
        outcome=Outcome.HANDOFF,
        department=own,
        gate=gate_active,
    )
    feedback = Feedback.objects.create(turn=turn, helpful=False, comment="役に立たなかった")

    aggregate = MonthlyAggregate.objects.create(month=MONTH, computed_at=timezone.now(), turns=7, handed_off=3)
    MonthlyAggregate.objects.get_or_create(month=current_month(), defaults={"computed_at": timezone.now()})
    cluster = GapCluster.objects.create(
        aggregate=aggregate,
        rank=1,
        key="pm-library",
        representative="図書館は何時まで開いていますか",
        size=3,
        distinct=2,
        wordings=[{"text": "図書館は何時まで開いていますか", "count": 2}, {"text": "図書館の開館時間は？", "count": 1}],
        departments=[{"id": own.pk, "name": own.name, "count": 3}],
        reasons={"handoff": 3},
        candidate_faqs=[],
        centroid=b"\x00\x00\x00\x00",
    )
    gap_action = GapAction.objects.create(
        month=MONTH,
        cluster_key="pm-earlier",
        representative="粗大ごみの出し方",
        kind=GapActionKind.ALTERNATES,
        faq=faq_own,
        wordings=["粗大ごみの出し方"],
    )
    index = IndexGeneration.objects.create(status=IndexStatus.RETIRED, encoders="lexical", documents=1)
    now = timezone.now()
    success = Task.objects.create(
        id=uuid.uuid4().hex, name="pm-success", func="math.floor", started=now, stopped=now, success=True
    )
    failure = Task.objects.create(
        id=uuid.uuid4().hex, name="pm-failure", func="math.floor", started=now, stopped=now, success=False
    )
    schedule = Schedule.objects.create(name="pm-schedule", func="math.floor")
    queued = OrmQ.objects.create(key="pm", payload="not a signed package")
    member = DepartmentMember.objects.get(user=users[R.EDITOR])
    login_record = {"user_agent": "pm-agent", "ip_address": "198.51.100.7", "http_accept": "*/*"}
    locked_login = AccessAttempt.objects.create(
        **login_record,
        username="pm_locked",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    login_log = AccessLog.objects.create(**login_record, username="pm_staff", path_info="/admin/login/")
    failed_login = AccessFailureLog.objects.create(**login_record, username="pm_locked", path_info="/admin/login/")

    world = World(
        users=users,
        own=own,
        other=other,
        category=category,
        faq_own=faq_own,
        faq_own_draft=faq_own_draft,
        faq_other=faq_other,
        faq_other_draft=faq_other_draft,
        change_own=change_own,
        change_other=change_other,
        change_published=change_published,
        change_by_reviewer=change_by_reviewer,
        change_draft=change_draft,
        turn=turn,
        aggregate=aggregate,
        cluster=cluster,
        gate_old=gate_old,
        prompt_old=prompt_old,
        spare_category=CategoryFactory.create(name="権限テストの空き分類"),
    )
    world.admin_objects = {
        "auth.group": {R.DEFAULT: editors},
        "auth.user": {R.DEFAULT: users[R.STAFF]},
        "django_q.schedule": {R.DEFAULT: schedule},
        "django_q.success": {R.DEFAULT: success},
        "django_q.failure": {R.DEFAULT: failure},
        "django_q.ormq": {R.DEFAULT: queued},
        "faq.department": {R.DEFAULT: own},
        "faq.category": {R.DEFAULT: category},
        "faq.indexgeneration": {R.DEFAULT: index},
        "faq.faq": {R.OWN: faq_own, R.OTHER: faq_other_draft},
        "chatbot.turn": {R.DEFAULT: turn},
        "chatbot.gateconfig": {R.DEFAULT: gate_old},
        "chatbot.feedback": {R.DEFAULT: feedback},
        "chatbot.promptversion": {R.DEFAULT: prompt_active},
        "chatbot.llmswitch": {R.DEFAULT: switch},
        "chatbot.machinetranslation": {R.DEFAULT: translation},
        "chatbot.goldencase": {R.DEFAULT: golden},
        "chatbot.evaluationrun": {R.DEFAULT: evaluation},
        "chatbot.regressioncheck": {R.DEFAULT: regression},
        "chatbot.incident": {R.DEFAULT: incident},
        "chatbot.monitorcheck": {R.DEFAULT: reading},
        "analytics.monthlyaggregate": {R.DEFAULT: aggregate},
        "analytics.gapaction": {R.DEFAULT: gap_action},
        "faq.departmentmember": {R.DEFAULT: member},
        "changeflow.changerequest": {R.OWN: change_own, R.OTHER: change_other},
        "axes.accessattempt": {R.DEFAULT: locked_login},
        "axes.accesslog": {R.DEFAULT: login_log},
        "axes.accessfailurelog": {R.DEFAULT: failed_login},
    }
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The objects of the whole module, in a transaction rolled back at its end (each test: a savepoint)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def w(world: World, db: None, settings: Any) -> World:
    """The module's objects, for one test in its own savepoint; the public API's rate limit is off."""
    settings.CHAT_RATE_LIMIT_PER_MINUTE = 0
    return world


# ---------------------------------------------------------------- filling in the URLs

QUERY: dict[str, dict[str, str]] = {
    # The user picker of the department-member form, as the admin's widget asks.
    "admin:autocomplete": {
        "app_label": "faq",
        "model_name": "departmentmember",
        "field_name": "user",
        "term": "pm",
    },
}


def path_values(entry: UrlEntry, variant: str, world: World) -> tuple[list[Any], dict[str, Any]]:
    """The positional and named parameters of `entry` for one variant, from the module's objects."""
    key = entry.key
    custom: dict[str, Callable[[], dict[str, Any]]] = {
        "admin:view_on_site": lambda: {
            "content_type_id": ContentType.objects.get_for_model(Faq).pk,
            "object_id": world.faq_own.pk,
        },
        "admin:app_list": lambda: {"app_label": variant},
        "admin/(?P<url>.*)$": lambda: {"url": "no-such-page/"},
        "admin:analytics_chart": lambda: {"month": MONTH_TEXT, "name": variant},
        "admin:analytics_report": lambda: {
            "month": f"{current_month():%Y-%m}" if variant.endswith("-this-month") else MONTH_TEXT,
            "fmt": variant.removesuffix("-this-month"),
        },
        "admin:analytics_group_draft": lambda: {"pk": world.cluster.pk},
        "admin:analytics_group_alternates": lambda: {"pk": world.cluster.pk},
        "changeflow:create": lambda: {"kind": variant},
        "changeflow:detail": lambda: {"pk": {R.OWN: world.change_own, R.OTHER: world.change_other}[variant].pk},
        "faq:detail": lambda: {"pk": {"published": world.faq_own, "draft": world.faq_other_draft}[variant].pk},
    }
    if key in custom:
        return [], custom[key]()
    model = admin_model_of(entry)
    if model is not None and re.search(r"[<(]", entry.route.split(f"/{model._meta.model_name}/", 1)[1]):
        obj = world.admin_objects[model._meta.label_lower][variant]
        if entry.name and entry.name.endswith("_simple_history"):
            return [obj.pk, obj.history.order_by("history_id").last().history_id], {}  # type: ignore[attr-defined]
        if key == "admin:auth_user_password_change":
            return [], {"id": obj.pk}
        return [], {"object_id": obj.pk}
    return [], {}


def url_for(key: str, variant: str, world: World) -> str:
    entry = ENTRY_BY_KEY[key]
    args, kwargs = path_values(entry, variant, world)
    url = fill(entry, args, kwargs)
    match = resolve(url)
    assert match.func is entry.callback, f"{url} resolves to {match.view_name or match.route}, not to {entry.key}"
    query = QUERY.get(key)
    return f"{url}?{urlencode(query)}" if query else url


# ---------------------------------------------------------------- requests and their outcome


def client_as(role: str, world: World) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if role != R.ANONYMOUS:
        client.force_login(world.users[role])
    return client


def outcome_of(response: HttpResponseBase) -> str:
    status = response.status_code
    if 300 <= status < 400:
        target = urlsplit(response["Location"]).path
        if target in (reverse("admin:login"), reverse(settings.LOGIN_URL)):
            return R.LOGIN
        if target == reverse("admin:index"):
            return R.TO_ADMIN_INDEX
        return R.REDIRECT
    if 200 <= status < 300:
        return R.OK
    return {
        400: R.BAD_REQUEST,
        403: R.FORBIDDEN,
        404: R.NOT_FOUND,
        405: R.NOT_ALLOWED,
    }.get(status, f"status {status}")


def body_of(response: HttpResponseBase) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    assert isinstance(response, HttpResponse)
    return response.content


def leaked(role: str, response: HttpResponseBase) -> list[str]:
    """The markers this role may not see that the response shows."""
    if role not in R.LEAK_CHECKED_ROLES:
        return []
    body = body_of(response)
    return [marker for marker in MARKERS if marker.encode() in body]


RESULTS: list[dict[str, Any]] = []


def record(
    method: str, key: str, variant: str, role: str, expected: frozenset[str], got: str, problems: list[str]
) -> None:
    RESULTS.append(
        {
            "method": method,
            "url": key,
            "variant": variant,
            "role": role,
            "expected": sorted(expected),
            "got": got,
            "passed": not problems,
            "problems": problems,
        }
    )


# ---------------------------------------------------------------- the rule table against the URL conf


def test_every_url_has_a_rule() -> None:
    """A new page or action without a rule fails here (and in its own GET cases below)."""
    missing = sorted(entry.key for entry in ENTRIES if entry.key not in R.RULES)
    assert not missing, "URLs without a rule in tests/security/permission_rules.py:\n" + "\n".join(missing)


def test_every_rule_names_an_existing_url() -> None:
    gone = sorted(set(R.RULES) - set(ENTRY_BY_KEY))
    gone_posts = sorted(f"{name} -> {rule.url}" for name, rule in R.POST_RULES.items() if rule.url not in ENTRY_BY_KEY)
    assert not gone, f"rules for URLs that no longer exist: {gone}"
    assert not gone_posts, f"POST rules for URLs that no longer exist: {gone_posts}"


def test_url_keys_are_unique_and_rules_cover_every_role() -> None:
    keys = [entry.key for entry in ENTRIES]
    assert len(keys) == len(set(keys)), sorted(key for key in keys if keys.count(key) > 1)
    incomplete = [
        f"{key}[{variant}]"
        for key, rule in R.RULES.items()
        for variant, outcomes in rule.get.items()
        if set(outcomes) != set(R.ROLES) or not all(outcomes.values())
    ]
    incomplete += [name for name, rule in R.POST_RULES.items() if set(rule.expect) != set(R.ROLES)]
    assert not incomplete, incomplete
    bad_variants = [
        name for name, rule in R.POST_RULES.items() if rule.url in R.RULES and rule.variant not in R.RULES[rule.url].get
    ]
    assert not bad_variants, bad_variants
    assert set(R.POST_RULES) == set(POST_ACTIONS), set(R.POST_RULES) ^ set(POST_ACTIONS)


# ---------------------------------------------------------------- GET: every URL, every variant, every role


def _get_cases() -> list[Any]:
    cases = []
    for entry in ENTRIES:
        rule = R.RULES.get(entry.key)
        variants = list(rule.get) if rule else ["no rule"]
        for variant in variants:
            for role in R.ROLES:
                cases.append(pytest.param(entry.key, variant, role, id=f"{entry.key}[{variant}]-{role}"))
    return cases


GET_CASES = _get_cases()


@pytest.mark.parametrize(("key", "variant", "role"), GET_CASES)
def test_get(w: World, key: str, variant: str, role: str) -> None:
    rule = R.RULES.get(key)
    assert rule is not None, f"{key} has no rule in tests/security/permission_rules.py: add one"
    expected = rule.get[variant][role]
    url = url_for(key, variant, w)
    response = client_as(role, w).get(url)
    got = outcome_of(response)
    problems = []
    if got not in expected:
        problems.append(f"got {got} (HTTP {response.status_code}), expected {sorted(expected)} [{rule.policy}]")
    shown = leaked(role, response)
    if shown:
        problems.append(f"shows what this role may not see: {shown}")
    record("GET", key, variant, role, expected, got, problems)
    assert not problems, f"GET {url} as {role} ({R.ROLE_DESCRIPTIONS[role]}): " + "; ".join(problems)


# ---------------------------------------------------------------- POST actions


@dataclass(frozen=True)
class PostAction:
    data: Callable[[World], dict[str, Any]]
    probe: Callable[[World], Any]  # the database state the action changes
    url: Callable[[World], str] | None = None  # default: the rule's URL and variant
    json: bool = False


def rows(model: type[models.Model], **filters: Any) -> list[dict[str, Any]]:
    return list(model._default_manager.filter(**filters).order_by("pk").values())


def faq_form(faq: Faq, **changes: Any) -> dict[str, Any]:
    data = {
        "question": faq.question,
        "alternate_questions": "\n".join(faq.alternate_questions),
        "answer": faq.answer,
        "department": faq.department_id or "",
        "category": faq.category_id or "",
        "source_url": faq.source_url,
        "external_id": faq.external_id or "",
        "status": faq.status,
        "valid_from": faq.valid_from or "",
        "valid_until": faq.valid_until or "",
        "review_by": faq.review_by or "",
        "_save": "Save",
    }
    return {**data, **changes}


def department_form(department: Department, **changes: Any) -> dict[str, Any]:
    fields = ("code", "name", "name_en", "phone", "window", "hours", "closed_days", "email", "web_url", "sort_order")
    data: dict[str, Any] = {name: getattr(department, name) for name in fields}
    if department.is_general_reception:
        data["is_general_reception"] = "on"
    return {**data, "_save": "Save", **changes}


def change_state(world: World) -> Any:
    """Approving with a golden set first queues the regression check: a started check is a change too."""
    return rows(ChangeRequest), rows(ChangeItem), rows(ChangeEvent), rows(Faq), rows(ApprovalCheck)


def faq_state(world: World) -> Any:
    return rows(Faq), Faq.history.count()


def user_form(user: User) -> dict[str, Any]:
    joined = timezone.localtime(user.date_joined)
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [],
        "user_permissions": [],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().strftime("%H:%M:%S"),
        "_save": "Save",
    }


def _other_change_url(world: World) -> str:
    return reverse("changeflow:detail", args=[world.change_other.pk])


def _change_create_data(department: Department, old_value: str, faq: Faq) -> dict[str, Any]:
    return {
        "department": department.pk,
        "title": "権限テストの申請",
        "old_value": old_value,
        "new_value": "900円",
        "effective_date": (today_local() + datetime.timedelta(days=20)).isoformat(),
        "faqs": [faq.pk],
        "reason": "権限テスト",
        "action": "submit",
    }


POST_ACTIONS: dict[str, PostAction] = {
    "change-approve": PostAction(lambda w: {"action": "approve", "comment": "ok"}, change_state),
    "change-reject": PostAction(lambda w: {"action": "reject", "comment": "理由があって差し戻し"}, change_state),
    "change-rollback": PostAction(
        lambda w: {"action": "rollback", "comment": "取り消し"},
        change_state,
        url=lambda w: reverse("changeflow:detail", args=[w.change_published.pk]),
    ),
    "change-save-texts": PostAction(
        lambda w: {
            "action": "save_texts",
            "comment": "",
            **{f"q-{item.pk}": item.new_question for item in w.change_own.items.all()},
            **{f"a-{item.pk}": item.new_answer + "（修正）" for item in w.change_own.items.all()},
        },
        change_state,
    ),
    "change-approve-own-submission": PostAction(
        lambda w: {"action": "approve", "comment": "自分で承認"},
        change_state,
        url=lambda w: reverse("changeflow:detail", args=[w.change_by_reviewer.pk]),
    ),
    "change-submit-others-draft": PostAction(
        lambda w: {"action": "submit", "comment": ""},
        change_state,
        url=lambda w: reverse("changeflow:detail", args=[w.change_draft.pk]),
    ),
    "change-create-with-other-departments-faq": PostAction(
        lambda w: _change_create_data(w.own, "300円", w.faq_other), change_state
    ),
    "change-approve-other-department": PostAction(
        lambda w: {"action": "approve", "comment": "ok"}, change_state, url=_other_change_url
    ),
    "change-create-own-department": PostAction(lambda w: _change_create_data(w.own, "500円", w.faq_own), change_state),
    "change-create-other-department": PostAction(
        lambda w: _change_create_data(w.other, "300円", w.faq_other), change_state
    ),
    "review-confirm-own-department": PostAction(lambda w: {"faq": [w.faq_own.pk]}, faq_state),
    "review-confirm-other-department": PostAction(lambda w: {"faq": [w.faq_other.pk]}, faq_state),
    "analytics-refresh": PostAction(lambda w: {"month": MONTH_TEXT}, lambda w: rows(MonthlyAggregate)),
    "analytics-draft": PostAction(lambda w: {"department": w.own.pk}, lambda w: (faq_state(w), rows(GapAction))),
    "analytics-alternates": PostAction(
        lambda w: {"faq_id": w.faq_own.pk, "wording": ["図書館の開館時間は？"]},
        lambda w: (faq_state(w), rows(GapAction)),
    ),
    "faq-change": PostAction(lambda w: faq_form(w.faq_own, answer="管理画面で書き換えた回答"), faq_state),
    "faq-delete": PostAction(
        lambda w: {"post": "yes"},
        faq_state,
        url=lambda w: reverse("admin:faq_faq_delete", args=[w.faq_own_draft.pk]),
    ),
    "faq-version-save-own-department": PostAction(
        lambda w: faq_form(w.faq_own, answer="版の画面から書き換えた回答"), faq_state
    ),
    "faq-version-save-other-department": PostAction(
        lambda w: faq_form(w.faq_other_draft, answer="版の画面から書き換えた他部署の回答"), faq_state
    ),
    "department-version-save": PostAction(
        lambda w: department_form(w.own, phone="0000-99-9999"), lambda w: (rows(Department), rows(Faq))
    ),
    "faq-publish-action": PostAction(
        lambda w: {"action": "publish_selected", ACTION_CHECKBOX_NAME: [w.faq_own_draft.pk], "index": "0"},
        faq_state,
    ),
    "faq-export-selected-action": PostAction(
        lambda w: {
            "action": "export_selected_csv",
            ACTION_CHECKBOX_NAME: [w.faq_own.pk, w.faq_other_draft.pk],
            "index": "0",
        },
        faq_state,
    ),
    "faq-import": PostAction(
        lambda w: {
            "file": SimpleUploadedFile(
                "faqs.csv", "question,answer,department\n取り込みの質問,取り込みの回答,権限自部署課\n".encode()
            ),
            "format": "",
        },
        faq_state,
    ),
    "category-delete": PostAction(
        lambda w: {"post": "yes"},
        lambda w: rows(Category),
        url=lambda w: reverse("admin:faq_category_delete", args=[w.spare_category.pk]),
    ),
    "member-add": PostAction(
        lambda w: {"user": w.users[R.EDITOR].pk, "department": w.other.pk, "_save": "Save"},
        lambda w: rows(DepartmentMember),
    ),
    "user-make-superuser": PostAction(
        lambda w: user_form(w.users[R.STAFF]),
        lambda w: rows(User),
    ),
    "user-password-change": PostAction(
        lambda w: {"password1": "Pm-new-password-913", "password2": "Pm-new-password-913", "usable_password": "true"},
        lambda w: rows(User),
    ),
    "group-grant-permissions": PostAction(
        lambda w: {
            "name": w.admin_objects["auth.group"][R.DEFAULT].name,  # type: ignore[attr-defined]
            "permissions": list(Permission.objects.values_list("pk", flat=True)),
            "_save": "Save",
        },
        lambda w: sorted(Group.permissions.through.objects.values_list("group_id", "permission_id")),
    ),
    "login-unlock": PostAction(lambda w: {"post": "yes"}, lambda w: rows(AccessAttempt)),
    "change-request-delete": PostAction(lambda w: {"post": "yes"}, change_state),
    "turn-delete": PostAction(lambda w: {"post": "yes"}, lambda w: (rows(Turn), rows(Feedback))),
    "evaluation-run-now": PostAction(lambda w: {}, lambda w: (rows(OrmQ), rows(EvaluationRun))),
    "turn-to-golden-set": PostAction(
        lambda w: {"action": "mark_not_to_answer", ACTION_CHECKBOX_NAME: [str(w.turn.pk)], "index": "0"},
        lambda w: rows(GoldenCase),
    ),
    "gate-activate": PostAction(
        lambda w: {"action": "activate", ACTION_CHECKBOX_NAME: [w.gate_old.pk], "index": "0"},
        lambda w: rows(GateConfig),
    ),
    "prompt-activate": PostAction(
        lambda w: {"action": "activate", ACTION_CHECKBOX_NAME: [w.prompt_old.pk], "index": "0"},
        lambda w: rows(PromptVersion),
    ),
    "machine-translation-approve": PostAction(
        lambda w: {"action": "approve", ACTION_CHECKBOX_NAME: [MachineTranslation.objects.get().pk], "index": "0"},
        lambda w: (rows(MachineTranslation), sorted(Faq.objects.values_list("pk", "answer_en"))),
    ),
    "llm-switch-change": PostAction(
        lambda w: {"_save": "Save"},  # the box unticked: LLM replies off
        lambda w: rows(LlmSwitch),
    ),
    "api-feedback": PostAction(
        lambda w: {"turn_id": str(w.turn.pk), "helpful": True, "comment": "助かりました"},
        lambda w: rows(Feedback),
        json=True,
    ),
}


def _post_cases() -> list[Any]:
    return [pytest.param(name, role, id=f"{name}-{role}") for name in R.POST_RULES for role in R.ROLES]


@pytest.mark.parametrize(("action", "role"), _post_cases())
def test_post(w: World, action: str, role: str) -> None:
    rule = R.POST_RULES[action]
    spec = POST_ACTIONS[action]
    url = spec.url(w) if spec.url else url_for(rule.url, rule.variant, w)
    assert resolve(urlsplit(url).path).func is ENTRY_BY_KEY[rule.url].callback, f"{url} is not {rule.url}"
    client = client_as(role, w)
    before = spec.probe(w)
    data = spec.data(w)
    if spec.json:
        response = client.post(url, json.dumps(data), content_type="application/json")
    else:
        response = client.post(url, data)
    got = outcome_of(response)
    changed = spec.probe(w) != before
    expected = rule.expect[role]
    problems = []
    if got not in expected:
        problems.append(f"got {got} (HTTP {response.status_code}), expected {sorted(expected)} [{rule.policy}]")
    if role in rule.changes and not changed:
        problems.append("allowed, but changed nothing: the action was not carried out")
    if role not in rule.changes and changed:
        problems.append("CHANGED THE DATABASE although this role may not do this")
    shown = leaked(role, response)
    if shown:
        problems.append(f"shows what this role may not see: {shown}")
    record("POST", action, rule.variant, role, expected, got, problems)
    assert not problems, f"POST {url} ({action}) as {role} ({R.ROLE_DESCRIPTIONS[role]}): " + "; ".join(problems)


# ---------------------------------------------------------------- the summary


def test_summary_written(capsys: pytest.CaptureFixture[str]) -> None:
    """The matrix's size on a "PERMISSIONS:" line and in var/test-artifacts/security/permissions.json."""
    covered = sorted(entry.key for entry in ENTRIES if entry.key in R.RULES)
    get_checks = sum(len(rule.get) * len(R.ROLES) for key, rule in R.RULES.items() if key in ENTRY_BY_KEY)
    post_checks = len(R.POST_RULES) * len(R.ROLES)
    assert len(covered) == len(ENTRIES), "every URL pattern is covered (see test_every_url_has_a_rule)"
    assert len(GET_CASES) == get_checks
    policies: dict[str, int] = {}
    for key in covered:
        policies[R.RULES[key].policy] = policies.get(R.RULES[key].policy, 0) + 1
    failed = [result for result in RESULTS if not result["passed"]]
    summary = {
        "url_patterns": len(ENTRIES),
        "url_patterns_covered": len(covered),
        "roles": list(R.ROLES),
        "role_descriptions": R.ROLE_DESCRIPTIONS,
        "checks": get_checks + post_checks,
        "get_checks": get_checks,
        "post_checks": post_checks,
        "post_actions": sorted(R.POST_RULES),
        "policies": policies,
        "executed_in_this_run": len(RESULTS),
        "failed_in_this_run": failed,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    line = (
        f"PERMISSIONS: {len(covered)} URL patterns covered of {len(ENTRIES)}, {len(R.ROLES)} roles, "
        f"{get_checks + post_checks} (URL, role, method) checks ({get_checks} GET, {post_checks} POST); "
        f"executed {len(RESULTS)}, failed {len(failed)}"
    )
    with capsys.disabled():
        print("\n" + line)
    assert json.loads(ARTIFACT.read_text(encoding="utf-8"))["checks"] == get_checks + post_checks
