"""Fixtures for retrieval tests: a real chromadb per test and a small town of FAQs.

Every test gets its own chromadb directory and no cached snapshot, so what
one test indexed can never answer another test's question.
"""

from pathlib import Path

import pytest

from faq.models import Department, Faq
from faq.retrieval.index import SearchResult, search
from tests.factories import DepartmentFactory, FaqFactory


@pytest.fixture(autouse=True)
def isolated_index(isolated_index: Path) -> Path:
    """Every retrieval test gets its own chromadb directory (the root fixture), even without asking."""
    return isolated_index


# (external_id, department code, question, answer, alternate questions)
TOWN_FAQS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "R-001",
        "KANKYO",
        "粗大ごみの収集を申し込みたい。",
        "たんす、ベッド、自転車など、指定ごみ袋に入らない大きな家具や家電は粗大ごみです。事前申込制で戸別に収集します。"
        "環境課に電話で申し込み、処理券を購入して品物に貼ってください。",
        ["大きな家具を処分したい"],
    ),
    (
        "R-002",
        "KANKYO",
        "家庭ごみの出し方について知りたい。",
        "家庭ごみは可燃、不燃、資源に分別し、地区の収集日の朝8時30分までに集積所へ出してください。"
        "収集日はごみカレンダーで確認できます。",
        ["ごみの日はいつ？"],
    ),
    (
        "R-003",
        "JUMIN",
        "住民票の写しを取りたい。",
        "住民票の写しは住民課の窓口で請求できます。本人確認書類をお持ちください。"
        "マイナンバーカードがあればコンビニでも取得できます。",
        [],
    ),
    (
        "R-004",
        "HOKEN",
        "国民健康保険に加入したい。",
        "会社の健康保険をやめたときや転入したときは、14日以内に保険年金課で国保の加入手続きをしてください。",
        [],
    ),
    (
        "R-005",
        "SUIDO",
        "水道の使用を開始したい。",
        "引っ越しなどで水道を使い始めるときは、使用開始日の3日前までに上下水道課へ電話またはインターネットで連絡してください。",
        [],
    ),
    (
        "R-006",
        "JUMIN",
        "転入届の手続きについて知りたい。",
        "町外から引っ越してきた方は、住み始めた日から14日以内に住民課で転入届を出してください。転出証明書をお持ちください。",
        [],
    ),
    (
        "R-007",
        "KOSODATE",
        "児童手当を申請したい。",
        "中学生までのお子さんを養育している方は、子育て支援課で児童手当の認定請求をしてください。"
        "出生や転入の翌日から15日以内です。",
        [],
    ),
    (
        "R-008",
        "KANKYO",
        "犬を飼い始めたときの登録をしたい。",
        "生後91日以上の犬は、飼い始めてから30日以内に環境課で登録し、毎年狂犬病の予防注射を受けさせてください。",
        [],
    ),
    (
        "R-009",
        "JUMIN",
        "印鑑登録をしたい。",
        "印鑑登録は、登録する印鑑と本人確認書類を持って住民課の窓口で申請してください。登録証は即日交付します。",
        [],
    ),
    (
        "R-010",
        "KOSODATE",
        "保育所への入所を申し込みたい。",
        "保育所の入所は、入所を希望する月の前月10日までに子育て支援課へ申込書と就労証明書を提出してください。",
        [],
    ),
]

TOWN_DEPARTMENTS = {
    "KANKYO": ("環境課", "0000-11-1301"),
    "JUMIN": ("住民課", "0000-11-1101"),
    "HOKEN": ("保険年金課", "0000-11-1701"),
    "SUIDO": ("上下水道課", "0000-11-1901"),
    "KOSODATE": ("子育て支援課", "0000-11-1501"),
}


def town_create() -> dict[str, Faq]:
    """The small town's departments and published FAQs, by external_id (no index is built)."""
    departments: dict[str, Department] = {
        code: DepartmentFactory.create(code=code, name=name, phone=phone)
        for code, (name, phone) in TOWN_DEPARTMENTS.items()
    }
    return {
        external_id: FaqFactory.create(
            external_id=external_id,
            department=departments[code],
            question=question,
            answer=answer,
            alternate_questions=alternates,
        )
        for external_id, code, question, answer, alternates in TOWN_FAQS
    }


@pytest.fixture
def town(db) -> dict[str, Faq]:
    return town_create()


def top_faq_id(result: SearchResult) -> int | None:
    return result.candidates[0].faq_id if result.candidates else None


def top_question(query: str) -> str | None:
    """The question of the FAQ a resident is shown first for this query."""
    result = search(query)
    if not result.candidates:
        return None
    return Faq.objects.get(pk=result.candidates[0].faq_id).question
