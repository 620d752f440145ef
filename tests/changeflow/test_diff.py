"""The side-by-side diff shown to editors and reviewers: escaped HTML, changes in <del> and <ins>."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.safestring import SafeString

from changeflow.diff import side_by_side
from tests.changeflow.conftest import MakeChange, client_for


def test_changes_are_marked_with_del_and_ins() -> None:
    old, new = side_by_side("1点につき500円です。", "1点につき700円です。")

    assert old == "1点につき<del>5</del>00円です。"
    assert new == "1点につき<ins>7</ins>00円です。"
    assert isinstance(old, SafeString)
    assert isinstance(new, SafeString)


def test_identical_texts_have_no_marks() -> None:
    assert side_by_side("同じ文面です。", "同じ文面です。") == ("同じ文面です。", "同じ文面です。")


def test_added_and_removed_text() -> None:
    assert side_by_side("", "新しいFAQ") == ("", "<ins>新しいFAQ</ins>")
    assert side_by_side("廃止されるFAQ", "") == ("<del>廃止されるFAQ</del>", "")


def test_html_in_the_new_text_is_escaped() -> None:
    old, new = side_by_side("手数料は500円です。", "手数料は<script>alert('x')</script>円です。")

    assert "<script>" not in new
    assert "&lt;script&gt;" in new
    assert "<ins>" in new
    assert "<script>" not in old


def test_html_in_the_old_text_is_escaped() -> None:
    old, new = side_by_side('<script>alert("x")</script><b onclick="x">太字</b>', "太字")

    assert "<script>" not in old
    assert "<b " not in old
    assert "&lt;script&gt;" in old
    assert "&lt;b onclick=&quot;x&quot;&gt;" in old
    assert "<del>" in old
    assert new == "太字"


def test_escaped_parts_inside_equal_text() -> None:
    old, new = side_by_side("A & B <i>", "A & C <i>")

    assert old == "A &amp; <del>B</del> &lt;i&gt;"
    assert new == "A &amp; <ins>C</ins> &lt;i&gt;"


@pytest.mark.django_db
def test_detail_page_never_renders_submitted_html(make_change: MakeChange, reviewer: User) -> None:
    change = make_change(new_answer="粗大ごみ処理券は1点につき700円です。<script>alert('x')</script>")

    content = client_for(reviewer).get(reverse("changeflow:detail", args=[change.pk])).content.decode()

    assert "<script>alert" not in content
    assert "<ins>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</ins>" in content
