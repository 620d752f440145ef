"""A tiny benchmark in the LocalgovFAQ file layout (corpus.json, queries.json, qrels.json), written by the tests
themselves: the benchmark commands are tested on it, never on the real data."""

import json
from pathlib import Path

FAQS = [
    ("粗大ごみの収集を申し込みたい。", "大きな家具や家電は事前申込制で戸別に収集します。環境課へ電話してください。"),
    ("家庭ごみの出し方について知りたい。", "可燃、不燃、資源に分別し、収集日の朝8時30分までに集積所へ出してください。"),
    ("住民票の写しを取りたい。", "住民課の窓口で請求できます。本人確認書類をお持ちください。"),
    ("国民健康保険に加入したい。", "14日以内に保険年金課で国保の加入手続きをしてください。"),
    ("水道の使用を開始したい。", "使用開始日の3日前までに上下水道課へ連絡してください。"),
    ("転入届の手続きについて知りたい。", "住み始めた日から14日以内に住民課で転入届を出してください。"),
    ("児童手当を申請したい。", "子育て支援課で児童手当の認定請求をしてください。"),
    ("犬の登録をしたい。", "生後91日以上の犬は環境課で登録し、狂犬病の予防注射を受けさせてください。"),
    ("印鑑登録をしたい。", "登録する印鑑と本人確認書類を持って住民課で申請してください。"),
    ("保育所への入所を申し込みたい。", "前月10日までに子育て支援課へ申込書を提出してください。"),
    ("図書館の開館時間を知りたい。", "町立図書館は午前9時から午後7時まで開館しています。月曜日は休館です。"),
    ("住民税の納付方法を知りたい。", "納付書で金融機関やコンビニで納めるか、口座振替を利用できます。"),
]


def write_localgovfaq(directory: Path, queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> Path:
    """Write FAQS with these queries and relevance grades (even query ids: dev split; odd: test) into
    `directory`, which is created."""
    directory.mkdir()
    corpus = {str(i): f"Question: {q}\nAnswer: {a}\n" for i, (q, a) in enumerate(FAQS)}
    for name, data in (("corpus", corpus), ("queries", queries), ("qrels", qrels)):
        (directory / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return directory
