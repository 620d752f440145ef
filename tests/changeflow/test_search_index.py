"""The real search index follows publication and roll-back, and never returns an expired FAQ.

These tests build a real index with the configured encoders, so there are only a few of them.
"""

import datetime
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from changeflow import services
from changeflow.drafts import ItemDraft
from changeflow.models import ChangeKind, ChangeRequest, ChangeStatus
from faq.models import Department, Faq, FaqStatus, IndexedDocument
from faq.retrieval.index import SearchResult, index_rebuild, search
from faq.selectors import today_local
from tests.changeflow.conftest import editor_create
from tests.factories import FaqFactory, StaffUserFactory
from tests.faq.retrieval.conftest import town_create

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
FESTIVAL_QUESTION = "町の夏祭りについて知りたい。"
OLD_ANSWER = "夏祭りは7月に中央公園で開催し、名物のズワイガニ汁を振る舞います。"
NEW_ANSWER = "夏祭りは8月に中央公園で開催し、名物のホタテ焼きを振る舞います。"


def lexical(query: str, faq: Faq) -> float:
    """The lexical (BM25) signal of one FAQ for a query: 0 when none of the query's words is in its text.

    An FAQ that is not among the candidates at all has no lexical match either: whether it is listed then depends
    only on dense scores among unrelated FAQs."""
    signals = candidate(search(query), faq)
    return 0.0 if signals is None else signals["lexical"]


def candidate(result: SearchResult, faq: Faq) -> dict[str, float] | None:
    """The signals of one FAQ among the ranked candidates, None when it is not returned."""
    for found in result.candidates:
        if found.faq_id == faq.pk:
            return found.signals
    return None


def top_id(query: str) -> int | None:
    result = search(query)
    return result.candidates[0].faq_id if result.candidates else None


@pytest.fixture
def town_kankyo(isolated_index: Path, db: None) -> Department:
    """The small town of tests/faq/retrieval (no index built yet); returns its 環境課."""
    town_create()
    return Department.objects.get(code="KANKYO")


@pytest.mark.django_db
def test_index_follows_publication_and_rollback(
    town_kankyo: Department, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    festival = FaqFactory.create(department=town_kankyo, question=FESTIVAL_QUESTION, answer=OLD_ANSWER)
    editor = editor_create(town_kankyo, "kankyo_editor")
    reviewer = StaffUserFactory.create(username="reviewer")
    index_rebuild()
    assert top_id("ズワイガニ汁") == festival.pk
    assert lexical("ズワイガニ汁", festival) > 0.0
    assert lexical("ホタテ焼き", festival) == 0.0
    history = festival.history.count()

    change = services.change_create(
        user=editor,
        kind=ChangeKind.FREE_TEXT,
        department=town_kankyo,
        title="夏祭りの内容変更",
        effective_date=today_local(),
        reason="実行委員会の決定",
        items=[ItemDraft(festival, FESTIVAL_QUESTION, NEW_ANSWER)],
        submit=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.change_approve(change=change, user=reviewer, comment="OK")

    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.PUBLISHED
    assert top_id("ホタテ焼き") == festival.pk
    assert lexical("ホタテ焼き", festival) > 0.0
    assert lexical("ズワイガニ汁", festival) == 0.0
    assert IndexedDocument.objects.get(faq=festival).faq_version == festival.history.latest("history_id").history_id

    with django_capture_on_commit_callbacks(execute=True):
        services.change_rollback(change=change, user=reviewer, comment="元に戻す")

    assert festival.history.count() == history + 2
    assert Faq.objects.get(pk=festival.pk).answer == OLD_ANSWER
    assert top_id("ズワイガニ汁") == festival.pk
    assert lexical("ズワイガニ汁", festival) > 0.0
    assert lexical("ホタテ焼き", festival) == 0.0


@pytest.mark.django_db
def test_index_drops_ended_service_and_rolled_back_new_service(
    town_kankyo: Department, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    ending = FaqFactory.create(
        department=town_kankyo,
        question="古紙の拠点回収はどこでしていますか。",
        answer="段ボールと新聞紙は役場北側のストックヤードで毎週土曜日に回収しています。",
    )
    editor = editor_create(town_kankyo, "kankyo_editor")
    reviewer = StaffUserFactory.create(username="reviewer")
    index_rebuild()
    assert top_id("ストックヤード") == ending.pk

    end = services.change_create(
        user=editor,
        kind=ChangeKind.SERVICE_END,
        department=town_kankyo,
        title="古紙の拠点回収の終了",
        effective_date=today_local(),
        reason="事業終了",
        items=[ItemDraft(ending, ending.question, ending.answer, withdraw=True)],
        submit=True,
    )
    start = services.change_create(
        user=editor,
        kind=ChangeKind.NEW_SERVICE,
        department=town_kankyo,
        title="生ごみ処理機の購入補助",
        effective_date=today_local(),
        reason="新規事業",
        items=[
            ItemDraft(None, "生ごみ処理機の購入補助はありますか。", "コンポスターと生ごみ処理機の購入費を補助します。")
        ],
        submit=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.change_approve(change=end, user=reviewer)
        services.change_approve(change=start, user=reviewer)

    assert Faq.objects.get(pk=ending.pk).status == FaqStatus.WITHDRAWN
    assert candidate(search("ストックヤード"), ending) is None
    assert not IndexedDocument.objects.filter(faq=ending).exists()
    created = Faq.objects.get(question="生ごみ処理機の購入補助はありますか。")
    assert top_id("コンポスター") == created.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.change_rollback(change=start, user=reviewer, comment="事業中止")

    assert Faq.objects.get(pk=created.pk).status == FaqStatus.WITHDRAWN
    assert candidate(search("コンポスター"), created) is None
    assert not IndexedDocument.objects.filter(faq=created).exists()


@pytest.mark.django_db
def test_expired_faq_is_never_returned_while_one_valid_today_is(town_kankyo: Department) -> None:
    today = today_local()
    expired = FaqFactory.create(
        department=town_kankyo,
        question="プレミアム商品券を買いたい。",
        answer="プレミアム商品券は役場1階で販売しています。",
        valid_until=today - datetime.timedelta(days=1),
    )
    last_day = FaqFactory.create(
        department=town_kankyo,
        question="プレミアム商品券の使える店を知りたい。",
        answer="プレミアム商品券は町内の登録店で使えます。",
        valid_until=today,
    )
    index_rebuild()
    assert IndexedDocument.objects.filter(faq=expired).exists()  # indexed, yet filtered at question time

    for query in ("プレミアム商品券を買いたい", "プレミアム商品券", "商品券 販売 役場"):
        result = search(query)
        assert candidate(result, expired) is None
        assert candidate(result, last_day) is not None
    assert top_id("プレミアム商品券を買いたい") == last_day.pk

    next_midnight = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(0, 0, 1), TOKYO)
    with time_machine.travel(next_midnight):
        assert candidate(search("プレミアム商品券"), last_day) is None
