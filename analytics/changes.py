"""The FAQ changes people made in a month, for the monthly report: admin edits, imports by staff, published
change requests. Machine loads (the sample town's loader, the `import_faq` set-up command) are left out.

Decided from each FAQ version's history record: a version written by a change request's publication (the
version the request's item points at) is that request's, whoever or whatever published it; any other version
is a person's when it has a `history_user` and its reason is not a machine load's.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext

from changeflow.models import ChangeItem
from faq.models import Faq
from faq.sample import LOAD_REASON, RESET_REASON

# Reasons written by loads no person made: faq/sample.py (and its English reasons of earlier versions) and
# `manage.py import_faq` (faq/management/commands).
MACHINE_REASON = re.compile(
    rf"^({re.escape(LOAD_REASON)}|{re.escape(RESET_REASON)}|sample town( reset)?|import_faq\s.*)$"
)
KIND_CHANGE_REQUEST = "変更申請 Change request #{id}"
KIND_IMPORT = "取り込み Import"
KIND_CREATED = "作成 Created"
KIND_EDIT = "編集 Edit"


def _import_reason() -> re.Pattern[str]:
    """The reason admin's import writes ("imported from %(name)s"), in every language staff may use."""
    patterns = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            template = gettext("imported from %(name)s")
        patterns.add(re.escape(template).replace(re.escape("%(name)s"), ".+"))
    return re.compile("^(" + "|".join(sorted(patterns)) + ")$")


def is_machine_reason(reason: str | None) -> bool:
    return bool(reason) and bool(MACHINE_REASON.match((reason or "").strip()))


@dataclass
class FaqChange:
    faq_id: int
    kinds: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    versions: int = 0
    last: datetime.datetime | None = None

    def add(self, kind: str, people: list[str], moment: datetime.datetime) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        for person in people:
            if person and person not in self.people:
                self.people.append(person)
        self.versions += 1
        self.last = moment if self.last is None else max(self.last, moment)


def _name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def faq_changes(
    start: datetime.datetime, end: datetime.datetime, *, departments: set[int] | None = None
) -> list[FaqChange]:
    """Each FAQ people changed in [start, end) once, in FAQ order, with the kinds of change and who made them.
    `departments`: only FAQs of these departments (None: all)."""
    versions = Faq.history.filter(history_date__gte=start, history_date__lt=end)
    if departments is not None:
        versions = versions.filter(id__in=Faq.objects.filter(department_id__in=departments).values("pk"))
    records = list(
        versions.order_by("history_date", "history_id").values_list(
            "history_id", "id", "history_date", "history_type", "history_change_reason", "history_user_id"
        )
    )
    published = {
        item.published_history_id: item.request
        for item in ChangeItem.objects.filter(
            published_history_id__in=[record[0] for record in records]
        ).select_related("request__created_by", "request__reviewed_by")
    }
    users = get_user_model().objects.in_bulk({record[5] for record in records if record[5] is not None})
    imported = _import_reason()
    changes: dict[int, FaqChange] = defaultdict(lambda: FaqChange(0))
    for history_id, faq_id, moment, history_type, reason, user_id in records:
        request = published.get(history_id)
        if request is not None:
            people = [_name(request.created_by)]
            if request.reviewed_by_id and request.reviewed_by_id != request.created_by_id:
                people.append(_name(request.reviewed_by))
            kind = KIND_CHANGE_REQUEST.format(id=request.pk)
        elif user_id is None or is_machine_reason(reason):
            continue
        else:
            people = [_name(users.get(user_id))]
            if reason and imported.match(reason.strip()):
                kind = KIND_IMPORT
            elif history_type == "+":
                kind = KIND_CREATED
            else:
                kind = KIND_EDIT
        change = changes[faq_id]
        change.faq_id = faq_id
        change.add(kind, people, moment)
    return [changes[faq_id] for faq_id in sorted(changes)]
