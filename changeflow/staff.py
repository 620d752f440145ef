"""Staff roles (FAQ administrators who review, department editors) and the demo accounts of the sample installation."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from faq.models import Department, DepartmentMember
from faq.services import staff_permission_codenames

FAQ_ADMIN_GROUP = "FAQ管理者"
DEPARTMENT_EDITOR_GROUP = "部署編集者"
DEMO_EMAIL_DOMAIN = "b-town.example"


@dataclass
class DemoAccount:
    username: str
    password: str | None
    role: str


def faq_admin_group_ensure() -> Group:
    """The group of staff who edit, import, publish and withdraw FAQs."""
    group, _created = Group.objects.get_or_create(name=FAQ_ADMIN_GROUP)
    permissions = Permission.objects.filter(content_type__app_label="faq", codename__in=staff_permission_codenames())
    reviewing = Permission.objects.filter(
        content_type__app_label="changeflow",
        codename__in=[
            "review_changerequest",
            "view_changerequest",
            "view_changeevent",
        ],
    )
    membership = Permission.objects.filter(
        content_type__app_label="faq",
        codename__in=[
            "add_departmentmember",
            "change_departmentmember",
            "delete_departmentmember",
            "view_departmentmember",
        ],
    )
    # The turn log, the gate versions (reading turns, activating a version) and the LLM's switch and prompts.
    chat = Permission.objects.filter(
        content_type__app_label="chatbot",
        codename__in=[
            "view_turn",
            "view_gateconfig",
            "change_gateconfig",
            "view_feedback",
            # LLM replies: the on/off switch and the prompt versions.
            "view_llmswitch",
            "change_llmswitch",
            "view_promptversion",
            "add_promptversion",
            "change_promptversion",
            # Machine translations residents were shown: approving one into its FAQ, or rejecting it.
            "view_machinetranslation",
            "change_machinetranslation",
            # The golden set the bot is evaluated on.
            "view_goldencase",
            "add_goldencase",
            "change_goldencase",
            "delete_goldencase",
            "view_evaluationrun",
            "view_regressioncheck",
            # Incidents the monitors open: reading them, triage labels, closing with a note (and their e-mails).
            "view_incident",
            "change_incident",
            "view_monitorcheck",
        ],
    )
    # The monthly figures and the unanswered questions (acting on them needs the FAQ permissions above).
    analytics = Permission.objects.filter(
        content_type__app_label="analytics",
        codename__in=["view_monthlyaggregate", "view_gapcluster", "view_gapaction"],
    )
    group.permissions.set([*permissions, *reviewing, *membership, *chat, *analytics])
    return group


def department_editor_group_ensure() -> Group:
    """Department editors: they read FAQs and submit change requests for their own departments."""
    group, _created = Group.objects.get_or_create(name=DEPARTMENT_EDITOR_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["faq", "changeflow", "analytics"],
            codename__in=[
                "view_faq",
                "view_category",
                "view_department",
                "view_changerequest",
                "view_monthlyaggregate",
                "view_gapcluster",
            ],
        )
    )
    return group


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create the demo accounts once, with random passwords.

    A password is returned only when its account is created, so it is shown
    once; existing accounts are left untouched.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    groups = {FAQ_ADMIN_GROUP: faq_admin_group_ensure(), DEPARTMENT_EDITOR_GROUP: department_editor_group_ensure()}
    accounts = []
    for username, role, superuser, department_code in (
        ("admin", "superuser", True, None),
        ("faq_staff", FAQ_ADMIN_GROUP, False, None),
        ("kankyo_editor", DEPARTMENT_EDITOR_GROUP, False, "KANKYO"),
    ):
        if user_model.objects.filter(username=username).exists():
            accounts.append(DemoAccount(username, None, role))
            continue
        password = secrets.token_urlsafe(12)
        # The sample town's fictional domain: notices (change requests, incidents) show on the console in `make run`.
        email = f"{username}@{DEMO_EMAIL_DOMAIN}"
        if superuser:
            user = user_model.objects.create_superuser(username=username, password=password, email=email)
        else:
            user = user_model.objects.create_user(username=username, password=password, email=email, is_staff=True)
            user.groups.add(groups[role])
        if department_code:
            department = Department.objects.filter(code=department_code).first()
            if department is not None:
                DepartmentMember.objects.get_or_create(user=user, department=department)
        accounts.append(DemoAccount(user.get_username(), password, role))
    return accounts
