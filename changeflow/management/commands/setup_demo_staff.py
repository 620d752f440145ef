from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from changeflow.staff import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo staff accounts with random passwords, shown once. Existing accounts are not changed."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = demo_accounts_ensure()
        created = [account for account in accounts if account.password]
        if not created:
            self.stdout.write(
                "デモ用アカウントは作成済みです（パスワードは作成時に一度だけ表示しました）。"
                "忘れた場合: python manage.py changepassword admin\n"
                "Demo accounts already exist; their passwords were shown once when they were created."
            )
            return
        lines = ["", "=" * 64, "デモ用スタッフアカウント / Demo staff accounts (shown once)"]
        for account in created:
            lines.append(f"  {account.username:<10} {account.password}   ({account.role})")
        lines += [
            f"  管理画面 / Admin: {settings.SITE_URL.rstrip('/')}{reverse('admin:index')}",
            "  公開前に必ずパスワードを変更してください: python manage.py changepassword USERNAME",
            "  Change these passwords before any real use.",
            "=" * 64,
            "",
        ]
        self.stdout.write(self.style.WARNING("\n".join(lines)))
