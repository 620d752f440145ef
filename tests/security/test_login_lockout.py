"""Staff login lockout: wrong passwords lock an account, and an address, out for a while (django-axes).

The policy (settings.py, README): LOGIN_FAILURE_LIMIT wrong passwords for one account, or from one client address,
lock that account or that address out for LOGIN_COOLOFF_MINUTES; attempts refused during a lockout are not counted,
so a locked address cannot go on to lock other accounts; a superuser unlocks earlier in admin.
"""

import datetime
import re
from html import unescape
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from changeflow.staff import faq_admin_group_ensure
from tests.factories import STAFF_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
ATTACKER = "198.51.100.7"
OFFICE = "203.0.113.20"
LOCKED_JA = "ログインは一時的にロックされています"
LOCKED_EN = "Login temporarily locked"


def visible_text(response: Any) -> str:
    """The page as a person reads it: tags dropped, white space collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def attempt(username: str, password: str, address: str, client: Client | None = None) -> Any:
    client = client or Client()
    return client.post(f"{LOGIN}?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def refused_with_form(response: Any) -> bool:
    """An ordinary wrong-password answer: the login form again, with its error."""
    return response.status_code == 200 and 'id="login-form"' in response.content.decode()


def locked(response: Any) -> bool:
    return response.status_code == 429 and LOCKED_JA in visible_text(response)


@pytest.fixture
def staff() -> User:
    return UserFactory.create(username="tanaka", is_staff=True)


@pytest.fixture
def colleague() -> User:
    return UserFactory.create(username="suzuki", is_staff=True)


def lock_out(username: str, address: str) -> Any:
    """LOGIN_FAILURE_LIMIT wrong passwords; the ones before the last get the login form back."""
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert refused_with_form(attempt(username, "wrong-password", address))
    return attempt(username, "wrong-password", address)


def test_defaults_are_five_failures_and_fifteen_minutes() -> None:
    assert settings.AXES_FAILURE_LIMIT == settings.LOGIN_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[-1] == "django.contrib.auth.backends.ModelBackend"


def test_wrong_passwords_then_the_right_one_is_refused_with_the_japanese_lockout_page(staff: User) -> None:
    last_wrong = lock_out("tanaka", ATTACKER)
    assert locked(last_wrong)

    client = Client()
    right = attempt("tanaka", STAFF_PASSWORD, ATTACKER, client)

    assert locked(right)
    text = visible_text(right)
    assert "最後の試行から 15 分後に、再びログインできます。" in text
    assert "システム管理者（この管理サイトのスーパーユーザー）にロックの解除を依頼してください。" in text
    assert f"{settings.TOWN_NAME} FAQ管理" in text  # the admin's header
    assert "ログイン画面に戻る" in text
    # Not logged in: the admin still sends this client to the login page.
    assert client.get("/admin/")["Location"].startswith(LOGIN)


def test_lockout_page_is_in_the_admin_look_without_inline_script_or_style(staff: User) -> None:
    page = lock_out("tanaka", ATTACKER)
    assert locked(page)
    html = page.content.decode()
    assert "/static/admin/css/base.css" in html
    assert "/static/admin/css/login.css" in html
    assert 'class="language-switch"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html, "inline style"
    assert " style=" not in html, "inline style"
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_lockout_page_in_english_after_the_language_switch(staff: User) -> None:
    lock_out("tanaka", ATTACKER)
    client = Client()
    switched = client.post(reverse("set_language"), {"language": "en", "next": LOGIN}, REMOTE_ADDR=ATTACKER)
    assert switched.status_code == 302

    page = attempt("tanaka", STAFF_PASSWORD, ATTACKER, client)

    assert page.status_code == 429
    text = visible_text(page)
    assert LOCKED_EN in text
    assert LOCKED_JA not in text
    assert "You can log in again 15 minutes after the last attempt." in text
    assert "ask a system administrator (a superuser of this administration site) to unlock the account" in text


def test_one_address_guessing_many_accounts_is_locked_out_for_every_account(staff: User, colleague: User) -> None:
    """Per address: five wrong passwords spread over five accounts lock the address, whatever account it tries."""
    for index, name in enumerate(["sato", "ito", "kato", "yamada"]):
        assert refused_with_form(attempt(name, f"guess-{index}", ATTACKER))
    assert locked(attempt("watanabe", "guess-5", ATTACKER))

    # The right password of an account the address never tried is refused from it ...
    assert locked(attempt("suzuki", STAFF_PASSWORD, ATTACKER))
    # ... but that account is not locked: its owner logs in from the office.
    assert logged_in(attempt("suzuki", STAFF_PASSWORD, OFFICE))


def test_a_locked_address_cannot_go_on_to_lock_other_accounts(staff: User, colleague: User) -> None:
    """Refused attempts are not counted: an attacker locks out at most the accounts its first failures hit."""
    assert locked(lock_out("tanaka", ATTACKER))
    for _ in range(3 * settings.LOGIN_FAILURE_LIMIT):
        assert locked(attempt("suzuki", "wrong-password", ATTACKER))

    assert logged_in(attempt("suzuki", STAFF_PASSWORD, OFFICE))
    assert not AccessAttempt.objects.filter(username="suzuki").exists()


def test_many_addresses_guessing_one_account_lock_the_account(staff: User) -> None:
    """Per account: wrong passwords from five addresses lock the account, even for its owner's right password."""
    for host in range(1, settings.LOGIN_FAILURE_LIMIT):
        assert refused_with_form(attempt("tanaka", "wrong-password", f"192.0.2.{host}"))
    assert locked(attempt("tanaka", "wrong-password", "192.0.2.99"))

    assert locked(attempt("tanaka", STAFF_PASSWORD, OFFICE))


def test_after_the_cool_off_the_right_password_works(staff: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert locked(lock_out("tanaka", ATTACKER))
        clock.shift(datetime.timedelta(minutes=14))
        # Still locked; this refused attempt does not prolong the lock.
        assert locked(attempt("tanaka", STAFF_PASSWORD, ATTACKER))
        clock.shift(datetime.timedelta(minutes=2))

        assert logged_in(attempt("tanaka", STAFF_PASSWORD, ATTACKER))


def _unlock_action(client: Client) -> Any:
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    return client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "post": "yes", "index": "0"},
    )


def test_a_superuser_unlocks_in_admin_and_the_person_logs_in(staff: User) -> None:
    assert locked(lock_out("tanaka", ATTACKER))
    admin = Client()
    admin.force_login(UserFactory.create(username="kanri", is_staff=True, is_superuser=True))

    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    text = visible_text(listing)
    assert listing.status_code == 200
    assert "ログイン試行（ロック）" in text
    assert "ロック中" in text
    assert "tanaka" in text

    assert _unlock_action(admin).status_code == 302
    assert not AccessAttempt.objects.exists()

    assert logged_in(attempt("tanaka", STAFF_PASSWORD, ATTACKER))


def test_an_faq_administrator_may_not_unlock(staff: User) -> None:
    assert locked(lock_out("tanaka", ATTACKER))
    reviewer = UserFactory.create(username="shinsa", is_staff=True)
    reviewer.groups.add(faq_admin_group_ensure())
    client = Client()
    client.force_login(reviewer)

    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert _unlock_action(client).status_code == 403
    assert AccessAttempt.objects.filter(username="tanaka").exists()
    assert locked(attempt("tanaka", STAFF_PASSWORD, ATTACKER))
    assert "ログインのロック" not in visible_text(client.get(reverse("admin:index")))


def test_the_reset_command_unlocks_an_account(staff: User) -> None:
    """`manage.py axes_reset_username tanaka` (the command-line unlock) lets the person in."""
    for host in range(1, settings.LOGIN_FAILURE_LIMIT + 1):
        attempt("tanaka", "wrong-password", f"192.0.2.{host}")
    assert locked(attempt("tanaka", STAFF_PASSWORD, OFFICE))

    call_command("axes_reset_username", "tanaka")

    assert logged_in(attempt("tanaka", STAFF_PASSWORD, OFFICE))


def test_admin_index_names_the_lockout_section_in_japanese() -> None:
    admin = Client()
    admin.force_login(UserFactory.create(username="kanri", is_staff=True, is_superuser=True))
    text = visible_text(admin.get(reverse("admin:index")))
    assert "ログインのロック" in text
    for model_name in ("ログイン試行（ロック）", "ログイン履歴", "ログイン失敗履歴"):
        assert model_name in text, model_name


def test_behind_a_proxy_the_forwarded_address_is_counted_and_spoofed_entries_ignored(
    settings: Any, staff: User
) -> None:
    """RATE_LIMIT_PROXY_COUNT=1: the proxy's entry (right-most) is the address; what the client wrote is ignored."""
    settings.RATE_LIMIT_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def via_proxy(username: str, password: str, client_entry: str, spoofed: str) -> Any:
        return Client().post(
            f"{LOGIN}?next=/admin/",
            {"username": username, "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_entry}",
        )

    for index in range(settings.LOGIN_FAILURE_LIMIT):
        via_proxy(f"guess{index}", "wrong", ATTACKER, f"192.0.2.{index}")
    assert locked(via_proxy("tanaka", STAFF_PASSWORD, ATTACKER, "192.0.2.200"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # Another client behind the same proxy is not locked out.
    assert logged_in(via_proxy("tanaka", STAFF_PASSWORD, OFFICE, "192.0.2.1"))
