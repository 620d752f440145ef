"""The permission matrix's rule table: what every role gets from every URL of the URL conf.

`RULES` maps each URL (its name, or its route when it has none) to a `Rule`: the
outcome each role gets from a GET, per *variant* (the same URL filled with
different objects, e.g. an FAQ of the editor's own department and one of
another department). `POST_RULES` lists the actions: what each role gets from
the POST and which roles' POST changes the database (every other role's POST
must change nothing).

The expectations are what the product promises (README "What you get",
"Policy changes", "Monthly analytics"; changeflow/staff.py), not what the code
happens to do: where the two differ, the matrix fails and the difference is a
bug. test_permission_matrix.py walks the URL conf and fails for a URL without a
rule and for a rule whose URL no longer exists.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# ---------------------------------------------------------------- roles

ANONYMOUS = "anonymous"
USER = "user"  # logged in, not staff
STAFF = "staff"  # is_staff, no group and no department
EDITOR = "editor"  # 部署編集者 with a DepartmentMember row for the "own" department
REVIEWER = "reviewer"  # FAQ管理者 (reviews change requests, administers FAQs)
SUPERUSER = "superuser"

ROLES = (ANONYMOUS, USER, STAFF, EDITOR, REVIEWER, SUPERUSER)
STAFF_ROLES = (STAFF, EDITOR, REVIEWER, SUPERUSER)
OUTSIDERS = (ANONYMOUS, USER)

ROLE_DESCRIPTIONS = {
    ANONYMOUS: "not logged in",
    USER: "logged in, not staff",
    STAFF: "staff, no group, no department",
    EDITOR: "group 部署編集者, member of the own department only",
    REVIEWER: "group FAQ管理者 (reviewer / FAQ administrator)",
    SUPERUSER: "superuser",
}

# Roles that must never see the other department's draft FAQ, change request or the turn log (see MARKERS in the
# test): residents and staff without a role see none of them; a department editor sees only their own department.
LEAK_CHECKED_ROLES = (ANONYMOUS, USER, STAFF, EDITOR)

# ---------------------------------------------------------------- outcome classes

OK = "ok"  # 2xx
REDIRECT = "redirect"  # 3xx to anything but a login page or the admin index
LOGIN = "login"  # 3xx to the login page
TO_ADMIN_INDEX = "to_admin_index"  # 3xx to the admin index: admin's "doesn't exist" for an object out of reach
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not_found"  # 404
NOT_ALLOWED = "method_not_allowed"  # 405
BAD_REQUEST = "bad_request"  # 400

ALLOWED = frozenset({OK, REDIRECT})
# Any refusal that does not reveal the object: for pages whose exact refusal is the fix's choice.
HIDDEN = frozenset({FORBIDDEN, NOT_FOUND, TO_ADMIN_INDEX})

Expected = frozenset[str]
Outcomes = Mapping[str, Expected]

# ---------------------------------------------------------------- policies (labels for the report)

PUBLIC = "public"  # the same answer for everyone
MONITOR = "monitor"  # for monitors, not users: a bearer token (METRICS_TOKEN) or this machine, never a login
API = "api"  # the public JSON API: the same answer for everyone, never a login page
LOGIN_ANY_STAFF = "login"  # any staff user; others go to the login page
STAFF_VIEW = "staff-view"  # staff with the model's view permission
REVIEWER_ONLY = "reviewer-only"  # FAQ管理者 and superusers
EDITOR_OWN_DEPARTMENT = "editor-own-department"  # editors for their own department only; reviewers for all
SUPERUSER_ONLY = "superuser-only"
NOBODY = "nobody"  # a read-only record: nobody adds, edits or deletes it in admin

DEFAULT = "default"


def _set(value: str | Iterable[str]) -> Expected:
    return frozenset({value}) if isinstance(value, str) else frozenset(value)


def same_for_all(token: str | Iterable[str]) -> Outcomes:
    return dict.fromkeys(ROLES, _set(token))


def staff_area(
    allowed: Iterable[str],
    *,
    ok: str | Iterable[str] = OK,
    denied: str | Iterable[str] = FORBIDDEN,
    outsiders: str | Iterable[str] = LOGIN,
    **overrides: str | Iterable[str],
) -> Outcomes:
    """A staff page: outsiders go to the login page; staff in `allowed` get `ok`, other staff `denied`."""
    chosen = set(allowed)
    result = {role: _set(outsiders) for role in OUTSIDERS}
    result.update({role: _set(ok if role in chosen else denied) for role in STAFF_ROLES})
    result.update({role: _set(value) for role, value in overrides.items()})
    return result


@dataclass(frozen=True)
class Rule:
    policy: str
    get: Mapping[str, Outcomes]  # variant -> role -> accepted outcome classes
    note: str = ""


@dataclass(frozen=True)
class PostRule:
    url: str  # the key of the URL in RULES
    variant: str
    policy: str
    expect: Outcomes
    changes: frozenset[str]  # roles whose POST changes the database; every other role's POST changes nothing
    note: str = ""


def rule(policy: str, outcomes: Outcomes, note: str = "") -> Rule:
    return Rule(policy, {DEFAULT: outcomes}, note)


# ---------------------------------------------------------------- role sets

ANY_STAFF = STAFF_ROLES
FAQ_READERS = (EDITOR, REVIEWER, SUPERUSER)
FAQ_ADMINS = (REVIEWER, SUPERUSER)
SUPER_ONLY = (SUPERUSER,)
NO_ROLE: tuple[str, ...] = ()


# ---------------------------------------------------------------- admin models


@dataclass(frozen=True)
class ModelPolicy:
    """Who may do what with one model in admin (the six URLs Django generates for each ModelAdmin)."""

    policy: str
    view: tuple[str, ...]
    add: tuple[str, ...]
    delete: tuple[str, ...]
    # Department-scoped models: the "other" variant is an object of another department, hidden from editors.
    scoped: bool = False
    simple_history: bool = False
    note: str = ""


ADMIN_MODELS: dict[str, ModelPolicy] = {
    "auth.group": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, SUPER_ONLY, SUPER_ONLY),
    "auth.user": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, SUPER_ONLY, SUPER_ONLY),
    "django_q.schedule": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, SUPER_ONLY, SUPER_ONLY),
    "django_q.success": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, SUPER_ONLY, note="tasks are not added"),
    "django_q.failure": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, SUPER_ONLY, note="tasks are not added"),
    "django_q.ormq": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, SUPER_ONLY, note="queued tasks are not added"),
    "faq.department": ModelPolicy(STAFF_VIEW, FAQ_READERS, FAQ_ADMINS, FAQ_ADMINS, simple_history=True),
    "faq.category": ModelPolicy(STAFF_VIEW, FAQ_READERS, FAQ_ADMINS, FAQ_ADMINS),
    "faq.indexgeneration": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, NO_ROLE, note="read-only record"),
    "faq.faq": ModelPolicy(
        EDITOR_OWN_DEPARTMENT,
        FAQ_READERS,
        FAQ_ADMINS,
        SUPER_ONLY,
        scoped=True,
        simple_history=True,
        note="FAQ管理者 may not delete FAQs (withdraw them); editors read their own department's FAQs only",
    ),
    "chatbot.turn": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="nobody adds, edits or deletes"),
    "chatbot.gateconfig": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE),
    "chatbot.feedback": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE),
    "chatbot.promptversion": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, FAQ_ADMINS, NO_ROLE, note="versions are kept"),
    "chatbot.llmswitch": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="one row"),
    "chatbot.machinetranslation": ModelPolicy(
        REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="made by the LLM; staff approve or reject, never delete"
    ),
    "chatbot.goldencase": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, FAQ_ADMINS, FAQ_ADMINS, note="the golden set"),
    "chatbot.evaluationrun": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="runs are records"),
    "chatbot.regressioncheck": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="checks are records"),
    "chatbot.incident": ModelPolicy(
        REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="opened by the monitors; staff triage and close, never delete"
    ),
    "chatbot.monitorcheck": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE, note="readings are records"),
    "analytics.monthlyaggregate": ModelPolicy(STAFF_VIEW, FAQ_READERS, NO_ROLE, NO_ROLE, note="the dashboard"),
    "analytics.gapaction": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, NO_ROLE, NO_ROLE),
    "faq.departmentmember": ModelPolicy(REVIEWER_ONLY, FAQ_ADMINS, FAQ_ADMINS, FAQ_ADMINS),
    "changeflow.changerequest": ModelPolicy(
        EDITOR_OWN_DEPARTMENT,
        FAQ_READERS,
        NO_ROLE,
        NO_ROLE,
        scoped=True,
        note="read-only record; editors see their own departments' requests only (README 'Who may do what')",
    ),
    # Login lockout (django-axes): unlocking is deleting the access attempt; nobody adds records by hand.
    "axes.accessattempt": ModelPolicy(
        SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, SUPER_ONLY, note="only superusers see and unlock locked-out logins"
    ),
    "axes.accesslog": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, SUPER_ONLY, note="login records"),
    "axes.accessfailurelog": ModelPolicy(SUPERUSER_ONLY, SUPER_ONLY, NO_ROLE, SUPER_ONLY, note="failed logins"),
}

OWN, OTHER = "own", "other"


def model_admin_rules(label: str, policy: ModelPolicy) -> dict[str, Rule]:
    """The rules of the URLs Django's admin generates for one model (and simple_history's version page)."""
    app_label, model_name = label.split(".")
    prefix = f"admin:{app_label}_{model_name}"
    route = f"admin/{app_label}/{model_name}/<path:object_id>/"
    viewers = policy.view
    view = staff_area(viewers)
    objects: dict[str, Outcomes] = {DEFAULT: view}
    deletes: dict[str, Outcomes] = {DEFAULT: staff_area(policy.delete)}
    if policy.scoped:
        # A department-scoped object page: any refusal that does not show the object will do for staff who may
        # not see it; another department's object is such a page for the editor too.
        objects = {
            OWN: staff_area(viewers, denied=HIDDEN),
            OTHER: staff_area(viewers, denied=HIDDEN, **{EDITOR: HIDDEN}),
        }
        deletes = {OWN: staff_area(policy.delete), OTHER: staff_area(policy.delete)}
    rules = {
        f"{prefix}_changelist": Rule(policy.policy, {DEFAULT: view}, policy.note),
        f"{prefix}_add": Rule(policy.policy, {DEFAULT: staff_area(policy.add)}, policy.note),
        f"{prefix}_change": Rule(policy.policy, objects, policy.note),
        f"{prefix}_history": Rule(policy.policy, objects, policy.note),
        f"{prefix}_delete": Rule(policy.policy, deletes, policy.note),
        # Django's old-style change URL: any staff user is redirected to the change page, which checks.
        route: Rule(
            LOGIN_ANY_STAFF,
            {OWN if policy.scoped else DEFAULT: staff_area(ANY_STAFF, ok=REDIRECT)},
            "redirect to the change page",
        ),
    }
    if policy.simple_history:
        rules[f"{prefix}_simple_history"] = Rule(policy.policy, objects, policy.note)
    return rules


# ---------------------------------------------------------------- every other URL

APP_LABELS = ("auth", "django_q", "faq", "chatbot", "analytics", "changeflow", "axes")
# The admin's page of one app: 404 for staff who may see none of its models.
APP_VIEWERS: dict[str, tuple[str, ...]] = {
    "auth": SUPER_ONLY,
    "django_q": SUPER_ONLY,
    "faq": FAQ_READERS,
    "chatbot": FAQ_ADMINS,
    "analytics": FAQ_READERS,
    "changeflow": FAQ_READERS,
    "axes": SUPER_ONLY,
}
CHANGE_KINDS = ("fee", "hours", "contact", "procedure", "new_service", "service_end", "free_text")
CHART_NAMES = ("outcomes", "questions", "latency", "feedback")
# The report of a month without activity in each format, and the CSV of this month (whose "FAQs edited" table
# would show the other department's draft created by the test: the leak check reads it).
REPORT_VARIANTS = ("xlsx", "csv", "pdf", "csv-this-month")

SITE_RULES: dict[str, Rule] = {
    # Public pages and the public API.
    "home": rule(PUBLIC, same_for_all(OK)),
    "faq:detail": Rule(
        PUBLIC,
        {"published": same_for_all(OK), "draft": same_for_all(NOT_FOUND)},
        "drafts are not shown, not even to staff",
    ),
    "healthz": rule(PUBLIC, same_for_all(OK)),
    "readyz": rule(PUBLIC, same_for_all(OK)),
    "metrics": rule(
        MONITOR,
        same_for_all(OK),
        "Prometheus's figures: with METRICS_TOKEN set only its bearer token opens them, without it only this "
        "machine (a loopback address no proxy forwarded). The matrix's client comes from 127.0.0.1 with no token "
        "set, so every role gets them, and a session never changes that: a superuser from another address is "
        "refused too (tests/chatbot/test_metrics.py)",
    ),
    "set_language": rule(PUBLIC, same_for_all(REDIRECT)),
    "api-schema": rule(API, same_for_all(OK)),
    "api-chat": rule(API, same_for_all(NOT_ALLOWED), "POST only"),
    "api-feedback": rule(API, same_for_all(NOT_ALLOWED), "POST only"),
    "api/v1/": rule(API, same_for_all(NOT_FOUND), "any other path under /api/v1/: a JSON 404"),
    # The admin site itself.
    "admin:index": rule(LOGIN_ANY_STAFF, staff_area(ANY_STAFF)),
    "admin:login": rule(LOGIN_ANY_STAFF, staff_area(NO_ROLE, denied=TO_ADMIN_INDEX, outsiders=OK)),
    "admin:logout": rule(LOGIN_ANY_STAFF, staff_area(ANY_STAFF, ok=NOT_ALLOWED, outsiders=TO_ADMIN_INDEX), "POST only"),
    "admin:password_change": rule(LOGIN_ANY_STAFF, staff_area(ANY_STAFF)),
    "admin:password_change_done": rule(LOGIN_ANY_STAFF, staff_area(ANY_STAFF)),
    "admin:jsi18n": rule(LOGIN_ANY_STAFF, staff_area(ANY_STAFF)),
    "admin:autocomplete": rule(
        SUPERUSER_ONLY,
        staff_area(SUPER_ONLY),
        "the user picker of 部署編集者 (department members) searches users: only who may view users",
    ),
    "admin:view_on_site": rule(
        LOGIN_ANY_STAFF, staff_area(ANY_STAFF, ok=NOT_FOUND), "no model has a public URL (get_absolute_url)"
    ),
    "admin:app_list": Rule(
        STAFF_VIEW, {app: staff_area(APP_VIEWERS[app], denied=NOT_FOUND) for app in APP_LABELS}, "one variant per app"
    ),
    "admin/(?P<url>.*)$": rule(LOGIN_ANY_STAFF, staff_area(ANY_STAFF, ok=NOT_FOUND), "admin's catch-all 404"),
    "admin:auth_user_password_change": rule(SUPERUSER_ONLY, staff_area(SUPER_ONLY)),
    # FAQ import and export (the FAQ list's buttons).
    "admin:faq_faq_import": rule(REVIEWER_ONLY, staff_area(FAQ_ADMINS)),
    "admin:faq_faq_export": rule(
        EDITOR_OWN_DEPARTMENT, staff_area(FAQ_READERS), "editors may export, but only their own department's FAQs"
    ),
    # The analytics dashboard's own URLs (FAQ管理者 and 部署編集者 may view; acting needs the FAQ permissions).
    "admin:analytics_chart": Rule(STAFF_VIEW, {name: staff_area(FAQ_READERS) for name in CHART_NAMES}),
    "admin:analytics_report": Rule(STAFF_VIEW, {variant: staff_area(FAQ_READERS) for variant in REPORT_VARIANTS}),
    "admin:analytics_refresh": rule(REVIEWER_ONLY, staff_area(ANY_STAFF, ok=NOT_ALLOWED), "POST only"),
    "admin:analytics_group_draft": rule(REVIEWER_ONLY, staff_area(ANY_STAFF, ok=NOT_ALLOWED), "POST only"),
    "admin:analytics_group_alternates": rule(REVIEWER_ONLY, staff_area(ANY_STAFF, ok=NOT_ALLOWED), "POST only"),
    # Evaluation runs: the trend chart and "evaluate now" (FAQ管理者).
    "admin:chatbot_evaluationrun_trend": rule(REVIEWER_ONLY, staff_area(FAQ_ADMINS)),
    "admin:chatbot_gateconfig_caution": rule(REVIEWER_ONLY, staff_area(FAQ_ADMINS)),
    "admin:chatbot_evaluationrun_run": rule(REVIEWER_ONLY, staff_area(ANY_STAFF, ok=NOT_ALLOWED), "POST only"),
    # Change requests (変更申請): staff pages; editors see and submit their own departments' only.
    "changeflow:list": rule(
        EDITOR_OWN_DEPARTMENT, staff_area(ANY_STAFF), "staff without a department see an empty list"
    ),
    "changeflow:new": rule(EDITOR_OWN_DEPARTMENT, staff_area(FAQ_READERS)),
    "changeflow:create": Rule(EDITOR_OWN_DEPARTMENT, {kind: staff_area(FAQ_READERS) for kind in CHANGE_KINDS}),
    "changeflow:detail": Rule(
        EDITOR_OWN_DEPARTMENT,
        {OWN: staff_area(FAQ_READERS, denied=NOT_FOUND), OTHER: staff_area(FAQ_ADMINS, denied=NOT_FOUND)},
    ),
    "changeflow:reviews": rule(EDITOR_OWN_DEPARTMENT, staff_area(ANY_STAFF), "each sees their departments' FAQs"),
}


def _build_rules() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for label, policy in ADMIN_MODELS.items():
        rules.update(model_admin_rules(label, policy))
    # The dashboard replaces the list page of monthly reports.
    overlap = set(rules) & set(SITE_RULES)
    assert not overlap, overlap
    rules.update(SITE_RULES)
    return rules


RULES: dict[str, Rule] = _build_rules()

# ---------------------------------------------------------------- POST actions

_outsiders_login = {ANONYMOUS: LOGIN, USER: LOGIN}


def post(
    url: str,
    policy: str,
    expect: Outcomes,
    changes: Iterable[str],
    *,
    variant: str = DEFAULT,
    note: str = "",
) -> PostRule:
    return PostRule(url, variant, policy, expect, frozenset(changes), note)


POST_RULES: dict[str, PostRule] = {
    # Change requests: only a reviewer (not the author) approves, rejects, rolls back, edits a submitted text.
    "change-approve": post(
        "changeflow:detail",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=NOT_FOUND, **{EDITOR: OK}),
        FAQ_ADMINS,
        variant=OWN,
        note="the editor of the department gets the page back with an error",
    ),
    "change-reject": post(
        "changeflow:detail",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=NOT_FOUND, **{EDITOR: OK}),
        FAQ_ADMINS,
        variant=OWN,
    ),
    "change-rollback": post(
        "changeflow:detail",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=NOT_FOUND, **{EDITOR: OK}),
        FAQ_ADMINS,
        variant=OWN,
    ),
    "change-save-texts": post(
        "changeflow:detail",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=NOT_FOUND, **{EDITOR: OK}),
        FAQ_ADMINS,
        variant=OWN,
        note="a submitted request's texts: reviewers only (the author edited them while it was a draft)",
    ),
    "change-approve-own-submission": post(
        "changeflow:detail",
        REVIEWER_ONLY,
        staff_area(SUPER_ONLY, ok=REDIRECT, denied=NOT_FOUND, **{EDITOR: OK, REVIEWER: OK}),
        SUPER_ONLY,
        variant=OWN,
        note="nobody approves their own submission (the reviewer is its author)",
    ),
    "change-submit-others-draft": post(
        "changeflow:detail",
        EDITOR_OWN_DEPARTMENT,
        staff_area(FAQ_READERS, denied=NOT_FOUND),
        NO_ROLE,
        variant=OWN,
        note="only the author submits a draft",
    ),
    "change-create-with-other-departments-faq": post(
        "changeflow:create",
        EDITOR_OWN_DEPARTMENT,
        staff_area(FAQ_READERS),
        NO_ROLE,
        variant="fee",
        note="a request of one department may not change another department's FAQ",
    ),
    "change-approve-other-department": post(
        "changeflow:detail",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=NOT_FOUND),
        FAQ_ADMINS,
        variant=OTHER,
    ),
    "change-create-own-department": post(
        "changeflow:create", EDITOR_OWN_DEPARTMENT, staff_area(FAQ_READERS, ok=REDIRECT), FAQ_READERS, variant="fee"
    ),
    "change-create-other-department": post(
        "changeflow:create",
        EDITOR_OWN_DEPARTMENT,
        staff_area(FAQ_READERS, ok=REDIRECT, **{EDITOR: OK}),
        FAQ_ADMINS,
        variant="fee",
        note="the editor's form refuses another department",
    ),
    "review-confirm-own-department": post(
        "changeflow:reviews",
        EDITOR_OWN_DEPARTMENT,
        staff_area(FAQ_READERS, ok=REDIRECT, denied=OK),
        FAQ_READERS,
        note="refused with a message on the page",
    ),
    "review-confirm-other-department": post(
        "changeflow:reviews",
        EDITOR_OWN_DEPARTMENT,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=OK),
        FAQ_ADMINS,
    ),
    # The analytics dashboard's actions (FAQ permissions needed).
    "analytics-refresh": post(
        "admin:analytics_refresh", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    "analytics-draft": post(
        "admin:analytics_group_draft",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, **{EDITOR: REDIRECT}),
        FAQ_ADMINS,
        note="a viewer without the FAQ permissions is sent back to the dashboard with an error",
    ),
    "analytics-alternates": post(
        "admin:analytics_group_alternates",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, **{EDITOR: REDIRECT}),
        FAQ_ADMINS,
    ),
    # FAQs in admin.
    "faq-change": post(
        "admin:faq_faq_change", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS, variant=OWN
    ),
    "faq-delete": post(
        "admin:faq_faq_delete", SUPERUSER_ONLY, staff_area(SUPER_ONLY, ok=REDIRECT), SUPER_ONLY, variant=OWN
    ),
    "faq-version-save-own-department": post(
        "admin:faq_faq_simple_history",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=HIDDEN),
        FAQ_ADMINS,
        variant=OWN,
        note="restoring a version is a change: view-only editors may not",
    ),
    "faq-version-save-other-department": post(
        "admin:faq_faq_simple_history",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=HIDDEN),
        FAQ_ADMINS,
        variant=OTHER,
    ),
    "department-version-save": post(
        "admin:faq_department_simple_history",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, denied=HIDDEN),
        FAQ_ADMINS,
    ),
    "faq-publish-action": post(
        "admin:faq_faq_changelist",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT, **{EDITOR: REDIRECT}),
        FAQ_ADMINS,
        note="the action is not offered to editors: 'no action selected'",
    ),
    "faq-export-selected-action": post(
        "admin:faq_faq_changelist",
        EDITOR_OWN_DEPARTMENT,
        staff_area(FAQ_READERS),
        NO_ROLE,
        note="the CSV holds only the FAQs the role may see (leak check)",
    ),
    "faq-import": post("admin:faq_faq_import", REVIEWER_ONLY, staff_area(FAQ_ADMINS), FAQ_ADMINS),
    "category-delete": post(
        "admin:faq_category_delete", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    "member-add": post(
        "admin:faq_departmentmember_add",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT),
        FAQ_ADMINS,
        note="an editor may not make themselves a member of another department",
    ),
    "user-make-superuser": post(
        "admin:auth_user_change", SUPERUSER_ONLY, staff_area(SUPER_ONLY, ok=REDIRECT), SUPER_ONLY
    ),
    "user-password-change": post(
        "admin:auth_user_password_change", SUPERUSER_ONLY, staff_area(SUPER_ONLY, ok=REDIRECT), SUPER_ONLY
    ),
    "group-grant-permissions": post(
        "admin:auth_group_change",
        SUPERUSER_ONLY,
        staff_area(SUPER_ONLY, ok=REDIRECT),
        SUPER_ONLY,
        note="an editor or reviewer may not widen a group's permissions",
    ),
    "login-unlock": post(
        "admin:axes_accessattempt_delete",
        SUPERUSER_ONLY,
        staff_area(SUPER_ONLY, ok=REDIRECT),
        SUPER_ONLY,
        note="unlocking a locked-out login: not FAQ管理者",
    ),
    "change-request-delete": post(
        "admin:changeflow_changerequest_delete", NOBODY, staff_area(NO_ROLE), NO_ROLE, variant=OWN
    ),
    "turn-delete": post("admin:chatbot_turn_delete", NOBODY, staff_area(NO_ROLE), NO_ROLE),
    "evaluation-run-now": post(
        "admin:chatbot_evaluationrun_run", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    "turn-to-golden-set": post(
        "admin:chatbot_turn_changelist", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    # The chat's settings.
    "gate-activate": post(
        "admin:chatbot_gateconfig_changelist", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    "prompt-activate": post(
        "admin:chatbot_promptversion_changelist", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    "machine-translation-approve": post(
        "admin:chatbot_machinetranslation_changelist",
        REVIEWER_ONLY,
        staff_area(FAQ_ADMINS, ok=REDIRECT),
        FAQ_ADMINS,
        note="approving writes the FAQ's English text",
    ),
    "llm-switch-change": post(
        "admin:chatbot_llmswitch_change", REVIEWER_ONLY, staff_area(FAQ_ADMINS, ok=REDIRECT), FAQ_ADMINS
    ),
    # The public API: the same for everyone.
    "api-feedback": post("api-feedback", API, same_for_all(OK), ROLES),
}
