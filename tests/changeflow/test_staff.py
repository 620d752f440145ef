"""Staff groups and the demo accounts created by `setup_demo_staff`."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from changeflow.staff import FAQ_ADMIN_GROUP, demo_accounts_ensure, faq_admin_group_ensure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"^\s+(admin|faq_staff)\s+(\S+)\s+\((.+)\)$", re.MULTILINE)


def setup_demo_staff() -> str:
    out = StringIO()
    call_command("setup_demo_staff", stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    return {username: password for username, password, _role in PASSWORD_LINE.findall(output)}


def test_faq_admin_group_ensure_grants_faq_permissions_but_not_deleting_faqs():
    group = faq_admin_group_ensure()

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert group.name == FAQ_ADMIN_GROUP == "FAQ管理者"
    assert {"add_faq", "change_faq", "view_faq", "change_department", "add_category", "view_historicalfaq"} <= codenames
    assert "delete_faq" not in codenames
    assert not {codename for codename in codenames if codename.endswith(("_user", "_group"))}


def test_faq_admin_group_ensure_twice_keeps_one_group():
    first = faq_admin_group_ensure()
    first.permissions.clear()

    second = faq_admin_group_ensure()

    assert first.pk == second.pk
    assert Group.objects.filter(name=FAQ_ADMIN_GROUP).count() == 1
    assert second.permissions.filter(codename="change_faq").exists()


def test_faq_admin_group_member_cannot_manage_user_accounts(client):
    user = UserFactory(is_staff=True)
    user.groups.add(faq_admin_group_ensure())
    client.force_login(user)

    assert client.get(reverse("admin:faq_faq_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_setup_demo_staff_prints_passwords_that_log_in():
    output = setup_demo_staff()

    passwords = printed_passwords(output)
    assert set(passwords) == {"admin", "faq_staff"}
    assert passwords["admin"] != passwords["faq_staff"]
    for username, password in passwords.items():
        assert Client().login(username=username, password=password), username
    users = get_user_model().objects
    admin = users.get(username="admin")
    staff = users.get(username="faq_staff")
    assert (admin.is_superuser, admin.is_staff) == (True, True)
    assert (staff.is_superuser, staff.is_staff) == (False, True)
    assert list(staff.groups.values_list("name", flat=True)) == [FAQ_ADMIN_GROUP]


def test_setup_demo_staff_faq_staff_can_open_faq_admin():
    passwords = printed_passwords(setup_demo_staff())
    client = Client()
    client.login(username="faq_staff", password=passwords["faq_staff"])

    assert client.get(reverse("admin:faq_faq_changelist")).status_code == 200
    assert client.get(reverse("admin:faq_faq_import")).status_code == 200


def test_setup_demo_staff_second_run_prints_no_password_and_keeps_passwords():
    passwords = printed_passwords(setup_demo_staff())
    hashes = dict(get_user_model().objects.values_list("username", "password"))

    output = setup_demo_staff()

    assert printed_passwords(output) == {}
    for password in passwords.values():
        assert password not in output
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    for username, password in passwords.items():
        assert Client().login(username=username, password=password), username


def test_demo_accounts_ensure_leaves_existing_account_untouched():
    UserFactory(username="admin", is_staff=False)

    accounts = {account.username: account.password for account in demo_accounts_ensure()}

    assert accounts["admin"] is None
    assert accounts["faq_staff"]
    assert not get_user_model().objects.get(username="admin").is_superuser


def test_demo_accounts_have_addresses_of_the_sample_towns_domain_so_notices_reach_them():
    from chatbot.quality.incidents import incident_recipients

    setup_demo_staff()

    emails = dict(get_user_model().objects.values_list("username", "email"))
    assert emails == {
        "admin": "admin@b-town.example",
        "faq_staff": "faq_staff@b-town.example",
        "kankyo_editor": "kankyo_editor@b-town.example",
    }
    # The superuser and FAQ管理者 (who may change incidents) are e-mailed when an incident opens; editors are not.
    assert incident_recipients() == ["admin@b-town.example", "faq_staff@b-town.example"]
