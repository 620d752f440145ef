"""Publication on the effective date at 00:00 Asia/Tokyo: not a second early, once only, even when two runs race."""

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction

from changeflow import services
from changeflow.models import ChangeEvent, ChangeRequest, ChangeStatus
from changeflow.services import ChangeFlowError
from faq.models import Faq
from tests.changeflow.conftest import FEE_ANSWER, FEE_NEW_ANSWER, MakeChange

UTC = datetime.UTC
EFFECTIVE = datetime.date(2031, 4, 1)
# 2031-03-31 23:59:59 in Tokyo is 14:59:59 UTC; 2031-04-01 00:00:00 in Tokyo is 15:00:00 UTC the day before.
LAST_SECOND_BEFORE = datetime.datetime(2031, 3, 31, 14, 59, 59, tzinfo=UTC)
MIDNIGHT_TOKYO = datetime.datetime(2031, 3, 31, 15, 0, 0, tzinfo=UTC)


@pytest.fixture
def scheduled(make_change: MakeChange, reviewer: User) -> ChangeRequest:
    """A fee change approved on 2031-03-25, effective 2031-04-01."""
    with time_machine.travel(datetime.datetime(2031, 3, 25, 1, 0, tzinfo=UTC), tick=False):
        change = make_change(effective_date=EFFECTIVE)
        services.change_approve(change=change, user=reviewer)
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.SCHEDULED
    return change


@pytest.mark.django_db
def test_not_published_at_2359_tokyo_the_day_before(scheduled: ChangeRequest, fee_faq: Faq) -> None:
    history = fee_faq.history.count()

    with time_machine.travel(LAST_SECOND_BEFORE, tick=False):
        assert services.publish_due_changes() == []

    assert ChangeRequest.objects.get(pk=scheduled.pk).status == ChangeStatus.SCHEDULED
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_ANSWER
    assert fee_faq.history.count() == history


@pytest.mark.django_db
def test_published_at_0000_tokyo_on_the_effective_date(scheduled: ChangeRequest, fee_faq: Faq) -> None:
    history = fee_faq.history.count()

    with time_machine.travel(MIDNIGHT_TOKYO, tick=False):
        assert services.publish_due_changes() == [scheduled.pk]

    change = ChangeRequest.objects.get(pk=scheduled.pk)
    assert change.status == ChangeStatus.PUBLISHED
    assert change.published_at == MIDNIGHT_TOKYO
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER
    assert fee_faq.history.count() == history + 1
    latest = fee_faq.history.latest("history_id")
    assert f"#{scheduled.pk}" in (latest.history_change_reason or "")


@pytest.mark.django_db
def test_management_command_publishes_at_the_boundary_and_only_once(scheduled: ChangeRequest, fee_faq: Faq) -> None:
    history = fee_faq.history.count()

    before = StringIO()
    with time_machine.travel(LAST_SECOND_BEFORE, tick=False):
        call_command("publish_due_changes", stdout=before)
    assert before.getvalue().strip() == "nothing due"
    assert ChangeRequest.objects.get(pk=scheduled.pk).status == ChangeStatus.SCHEDULED

    first, second = StringIO(), StringIO()
    with time_machine.travel(MIDNIGHT_TOKYO, tick=False):
        call_command("publish_due_changes", stdout=first)
        call_command("publish_due_changes", stdout=second)
    assert f"#{scheduled.pk}" in first.getvalue()
    assert second.getvalue().strip() == "nothing due"

    assert ChangeRequest.objects.get(pk=scheduled.pk).status == ChangeStatus.PUBLISHED
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER
    assert fee_faq.history.count() == history + 1
    assert ChangeEvent.objects.filter(request=scheduled, action="published").count() == 1


@pytest.mark.django_db
def test_running_twice_publishes_once(scheduled: ChangeRequest, fee_faq: Faq) -> None:
    history = fee_faq.history.count()

    with time_machine.travel(MIDNIGHT_TOKYO + datetime.timedelta(hours=5), tick=False):
        assert services.publish_due_changes() == [scheduled.pk]
        assert services.publish_due_changes() == []

    assert fee_faq.history.count() == history + 1
    assert ChangeEvent.objects.filter(request=scheduled, action="published").count() == 1


@pytest.mark.django_db
def test_late_run_publishes_overdue_changes_too(scheduled: ChangeRequest, fee_faq: Faq) -> None:
    """The cluster was down over midnight: the next run publishes what became due meanwhile."""
    with time_machine.travel(datetime.datetime(2031, 4, 3, 9, 0, tzinfo=UTC), tick=False):
        assert services.publish_due_changes() == [scheduled.pk]
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER


@pytest.mark.django_db
def test_claiming_the_same_change_twice_applies_items_once(scheduled: ChangeRequest, fee_faq: Faq) -> None:
    """Two workers that both read the change as due: the second one's claim fails and writes nothing."""
    history = fee_faq.history.count()
    first = ChangeRequest.objects.get(pk=scheduled.pk)
    second = ChangeRequest.objects.get(pk=scheduled.pk)
    assert first.status == second.status == ChangeStatus.SCHEDULED

    with time_machine.travel(MIDNIGHT_TOKYO, tick=False):
        with transaction.atomic():
            services._publish(first, actor=None)
        with pytest.raises(ChangeFlowError), transaction.atomic():
            services._publish(second, actor=None)

    assert fee_faq.history.count() == history + 1
    assert ChangeEvent.objects.filter(request=scheduled, action="published").count() == 1
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_never_apply_twice(make_change: MakeChange, reviewer: User, fee_faq: Faq) -> None:
    with time_machine.travel(datetime.datetime(2031, 3, 25, 1, 0, tzinfo=UTC), tick=False):
        change = make_change(effective_date=EFFECTIVE)
        services.change_approve(change=change, user=reviewer)
    history = fee_faq.history.count()
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(services.publish_due_changes())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(MIDNIGHT_TOKYO, tick=False):
        workers = [threading.Thread(target=run) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)

    assert errors == []
    assert sorted(results) == [[], [change.pk]]
    assert fee_faq.history.count() == history + 1
    assert ChangeEvent.objects.filter(request=change, action="published").count() == 1
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.PUBLISHED
    assert Faq.objects.get(pk=fee_faq.pk).answer == FEE_NEW_ANSWER
