"""Content checks on FAQ and change-request texts: phrases that read like instructions to an AI (prompt
injection). Reviewers see them on a change request; the LLM composer never sends an FAQ text that has them."""

import re
import unicodedata
from collections.abc import Iterable

# Text that reads like instructions to an AI rather than a policy change.
INJECTION_PATTERNS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"AI\s*(への|に対する|に)\s*指示",
        r"(以前|前|上記|これまで|今まで|先)の(指示|命令|プロンプト)(は|を)?(すべて|全て|全部)?(無視|忘れ)",
        r"指示を(無視|忘れ)",
        r"システム\s*プロンプト",
        r"(あなた|君)は(今から|これから)",
        r"ignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|prompts?|rules)",
        r"disregard\s+(all\s+|the\s+)?(previous|prior|above)",
        r"system\s+prompt",
        r"\byou\s+are\s+now\s+(a|an|the)?\s*(ai|assistant|chatbot|bot|dan|model|unrestricted|jailbroken)\b",
        r"(developer|jailbreak)\s+mode",
        r"<\s*/?\s*(system|assistant|instructions?)\s*>",
        r"(返答|回答|応答|返信)の(最後|末尾|最初|冒頭)に",
        r"(note|message|instructions?)\s+(to|for)\s+the\s+(assistant|ai|model|chatbot)",
        r"follow\s+(these|the\s+following)\s+instructions",
    )
]


def injection_flags(texts: Iterable[str]) -> list[str]:
    """The phrases that look like instructions to an AI, for the reviewer's attention."""
    found: list[str] = []
    for text in texts:
        folded = unicodedata.normalize("NFKC", text or "")
        for pattern in INJECTION_PATTERNS:
            match = pattern.search(folded)
            if match and match.group(0) not in found:
                found.append(match.group(0))
    return found
