"""Staff groups and the demo accounts of the sample installation."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from faq.services import staff_permission_codenames

FAQ_ADMIN_GROUP = "FAQ管理者"


@dataclass
class DemoAccount:
    username: str
    password: str | None
    role: str


def faq_admin_group_ensure() -> Group:
    """The group of staff who edit, import, publish and withdraw FAQs."""
    group, _created = Group.objects.get_or_create(name=FAQ_ADMIN_GROUP)
    permissions = Permission.objects.filter(content_type__app_label="faq", codename__in=staff_permission_codenames())
    group.permissions.set(permissions)
    return group


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create the demo accounts once, with random passwords.

    A password is returned only when its account is created, so it is shown
    once; existing accounts are left untouched.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    group = faq_admin_group_ensure()
    accounts = []
    for username, role, superuser in (("admin", "superuser", True), ("faq_staff", FAQ_ADMIN_GROUP, False)):
        if user_model.objects.filter(username=username).exists():
            accounts.append(DemoAccount(username, None, role))
            continue
        password = secrets.token_urlsafe(12)
        if superuser:
            user = user_model.objects.create_superuser(username=username, password=password, email="")
        else:
            user = user_model.objects.create_user(username=username, password=password, is_staff=True)
            user.groups.add(group)
        accounts.append(DemoAccount(user.get_username(), password, role))
    return accounts
