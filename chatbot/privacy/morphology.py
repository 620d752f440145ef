"""SudachiPy, shared by the detectors that need to know what a word is (a person's name, a place's name)."""

from __future__ import annotations

import threading
from typing import Any

_tokenizers = threading.local()


def tokenizer() -> Any:
    """SudachiPy in its longest units (mode C), so that a place or facility keeps its name: 中野区, 上野公園.

    One per thread (a SudachiPy tokenizer is not safe to share), on the dictionary the search index loads.
    """
    found = getattr(_tokenizers, "tokenizer", None)
    if found is None:
        from sudachipy import SplitMode

        from faq.retrieval.text import tokenizer as search_tokenizer

        found = search_tokenizer()._dictionary.tokenizer(mode=SplitMode.C)
        _tokenizers.tokenizer = found
    return found


def last_word_is_proper_noun(text: str) -> bool:
    """Whether the last word of ``text`` is a place or a surname: 梅田, 千代田, 六本木 (a town or district), not 会議室.

    SudachiPy tags many district names as surnames (梅田, 北山, 新町); a surname in front of a block number
    is a district all the same.
    """
    morphemes = list(tokenizer().tokenize(text))
    if not morphemes:
        return False
    tags = morphemes[-1].part_of_speech()
    return tags[1] == "固有名詞" and tags[2] in ("地名", "人名")
