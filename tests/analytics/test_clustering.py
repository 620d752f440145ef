"""Grouping by meaning with the product's own encoder, on a labelled sample of residents' questions."""

import itertools
import random

import numpy as np
import pytest
from django.conf import settings

from analytics.aggregation import aggregate_month
from analytics.clustering import Group, analytics_encoder, cluster, distinct_wordings, embed, fold
from chatbot.models import Outcome
from tests.analytics.support import OCTOBER, jst, make_turn

# Topic -> paraphrases a resident might type (Japanese, plus English ones of the same topics).
LABELLED: dict[str, list[str]] = {
    "sodai_fee": [
        "粗大ごみの料金はいくらですか",
        "粗大ごみを出すのにいくらかかりますか",
        "粗大ごみの処理手数料を知りたい",
        "粗大ごみの回収料金は？",
        "ソファを粗大ごみで出すといくら？",
        "How much is the fee for bulky garbage?",
        "What does it cost to dispose of large furniture?",
    ],
    "juminhyo": [
        "住民票の写しを取りたい",
        "住民票はどこでもらえますか",
        "住民票の写しの取り方を教えて",
        "住民票を発行してほしい",
        "住民票が必要なのですが",
        "How can I get a copy of my residence certificate?",
    ],
    "jidou_teate": [
        "児童手当の申請方法を教えて",
        "児童手当はいつ振り込まれますか",
        "児童手当をもらうにはどうすればいい",
        "児童手当の手続きについて",
        "子どもが生まれたので児童手当を申請したい",
    ],
    "suido_kaiyaku": [
        "水道の解約をしたい",
        "引っ越すので水道を止めたい",
        "水道の使用を中止したい",
        "水道の契約をやめたい",
        "水道を止める手続きは？",
        "I want to cancel my water service",
    ],
    "library_hours": [
        "図書館の開館時間は？",
        "図書館は何時まで開いていますか",
        "図書館は何時から開いていますか",
        "図書館の営業時間を知りたい",
        "What time does the library open?",
        "Library opening hours",
    ],
    "dog_registration": [
        "犬の登録をしたい",
        "犬を飼い始めたので登録したい",
        "飼い犬の登録方法を教えて",
        "犬の登録はどこでできますか",
    ],
    "mynumber_card": [
        "マイナンバーカードを作りたい",
        "マイナンバーカードの申請方法は？",
        "マイナンバーカードはどこで作れますか",
        "マイナンバーカードの発行手続き",
    ],
}
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.8


@pytest.fixture(scope="module")
def encoder():
    return analytics_encoder()


def groups_of(texts: list[str], encoder) -> tuple[list[str], list[Group]]:
    keys, display, counts, _position = distinct_wordings(texts)
    groups = cluster(display, counts, embed(display, encoder), threshold=settings.ANALYTICS_CLUSTER_THRESHOLD)
    return keys, groups


def pairwise_precision_recall(assigned: dict[str, int], labels: dict[str, str]) -> tuple[float, float]:
    """Over all pairs of wordings: same group and same topic (precision over same group, recall over same topic)."""
    both = same_group = same_topic = 0
    for first, second in itertools.combinations(sorted(labels), 2):
        grouped = assigned[first] == assigned[second]
        related = labels[first] == labels[second]
        both += grouped and related
        same_group += grouped
        same_topic += related
    return both / same_group if same_group else 0.0, both / same_topic


def test_paraphrases_group_together_and_unrelated_topics_stay_apart(encoder) -> None:
    texts = [text for paraphrases in LABELLED.values() for text in paraphrases]
    labels = {fold(text): topic for topic, paraphrases in LABELLED.items() for text in paraphrases}
    assert len(labels) == len(texts)  # no wording twice in the sample

    keys, groups = groups_of(texts, encoder)
    assigned = {keys[index]: number for number, group in enumerate(groups) for index in group.indices}
    precision, recall = pairwise_precision_recall(assigned, labels)

    print(
        f"clustering at {settings.ANALYTICS_CLUSTER_THRESHOLD}: precision {precision:.3f}, recall {recall:.3f}, "
        f"{len(groups)} groups for {len(LABELLED)} topics"
    )
    assert sorted(assigned) == sorted(labels)  # every wording in exactly one group
    assert sum(len(group.members) for group in groups) == len(texts)
    assert precision >= PRECISION_FLOOR, (precision, [[m for m, _ in g.members] for g in groups])
    assert recall >= RECALL_FLOOR, (recall, [[m for m, _ in g.members] for g in groups])
    # Each topic's Japanese wordings (the bulk of what residents type) end up in one group of their own.
    for topic, paraphrases in LABELLED.items():
        japanese = {assigned[fold(text)] for text in paraphrases if not text.isascii()}
        assert len(japanese) == 1, (topic, [[m for m, _ in g.members] for g in groups])
    owners = [{labels[keys[index]] for index in group.indices} for group in groups]
    assert all(len(topics) == 1 for topics in owners), owners
    assert len(LABELLED) <= len(groups) <= len(LABELLED) + 4


def test_group_sizes_count_questions_and_the_largest_group_comes_first(encoder) -> None:
    texts = ["住民票の写しを取りたい"] * 2 + LABELLED["library_hours"][:4] + ["図書館の開館時間は？"] * 3

    _keys, groups = groups_of(texts, encoder)

    assert [group.size for group in groups] == [7, 2]
    library, juminhyo = groups
    assert library.members[0] == ("図書館の開館時間は？", 4)  # most frequent wording first
    assert library.centre in LABELLED["library_hours"]
    assert juminhyo.members == [("住民票の写しを取りたい", 2)]
    assert float(np.linalg.norm(library.centroid)) == pytest.approx(1.0, abs=1e-5)


def test_width_case_and_spacing_variants_are_one_wording_with_summed_counts(encoder) -> None:
    texts = [
        "マイナンバーカードを作りたい",
        "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞを作りたい",  # half-width katakana
        "マイナンバーカードを作りたい ",
        "ＡＴＭで税金を払えますか",  # full-width letters
        "ATMで税金を払えますか",
        "atmで税金を払えますか",
        "粗大ごみ２点の料金",  # full-width digit
        "粗大ごみ2点の料金",
        "水道を　止めたい",  # ideographic space
        "水道を  止めたい",
        " 水道を 止めたい\t",
        "マイナンバーカードを作りたい",
    ]

    keys, display, counts, position = distinct_wordings(texts)

    # The search's exact-match form: width, case, kana script, blanks and punctuation do not count.
    assert keys == ["まいなんばーかーどを作りたい", "atmで税金を払えますか", "水道を止めたい", "粗大ごみ2点の料金"]
    assert counts == [4, 3, 3, 2]
    assert sum(counts) == len(texts)
    # The wording shown is the one residents typed most often (ties: the first in code-point order).
    assert display[0] == "マイナンバーカードを作りたい"
    assert display[1] in {"ATMで税金を払えますか", "atmで税金を払えますか", "ＡＴＭで税金を払えますか"}
    assert position == {key: index for index, key in enumerate(keys)}
    groups = cluster(display, counts, embed(display, encoder), threshold=settings.ANALYTICS_CLUSTER_THRESHOLD)
    assert sum(group.size for group in groups) == len(texts)
    assert sum(len(group.members) for group in groups) == 4


@pytest.mark.django_db
def test_width_variants_in_the_turn_log_are_one_wording_of_one_group() -> None:
    for text in ["ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞを作りたい", "マイナンバーカードを作りたい", "マイナンバーカードを　作りたい"]:
        make_turn(text, jst(2026, 10, 3), Outcome.HANDOFF)
    make_turn("マイナンバーカードを作りたい", jst(2026, 10, 4), Outcome.HANDOFF)

    aggregate = aggregate_month(OCTOBER)

    group = aggregate.clusters.get()
    assert (group.size, aggregate.unanswered) == (4, 4)
    # Blanks do not count either: one wording, shown as residents typed it most often.
    assert group.distinct == 1
    assert group.wordings[0] == {"text": "マイナンバーカードを作りたい", "count": 4}


def test_same_questions_in_any_order_give_the_same_groups(encoder) -> None:
    texts = [text for paraphrases in LABELLED.values() for text in paraphrases]
    texts += ["住民票の写しを取りたい", "図書館の開館時間は？", "図書館の開館時間は？"]
    _keys, reference = groups_of(texts, encoder)
    expected = [(group.centre, group.members, group.indices) for group in reference]

    for seed in range(3):
        shuffled = texts[:]
        random.Random(seed).shuffle(shuffled)
        assert shuffled != texts
        _keys, groups = groups_of(shuffled, encoder)
        assert [(group.centre, group.members, group.indices) for group in groups] == expected
        assert all(np.array_equal(a.centroid, b.centroid) for a, b in zip(groups, reference, strict=True))


def test_no_questions_no_groups(encoder) -> None:
    keys, display, counts, position = distinct_wordings(["", "   ", "\u3000"])

    assert (keys, display, counts, position) == ([], [], [], {})
    assert cluster(display, counts, embed(display, encoder), threshold=0.6) == []
