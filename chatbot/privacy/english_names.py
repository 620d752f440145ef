"""Names in English questions: after a title, introduced by the writer, of a family member, signed, with -san.

A capitalised word is not a name by itself ("I'm Japanese", "This is City Hall", "It's Monday"), so a name is
only looked for where English puts one, and what is found there is checked against lists of ordinary words
(english_words.py):

* strong places, where almost anything that follows is a name, lower case included: "my name is john smith",
  "His name is ...", "name: ...", "Full name - ...";
* titles: "Mr. Tanaka", "Ms Lee", "Dr. Kim Min-ji", "mr. tanaka";
* weaker places, where only a capitalised name counts and every list applies: "I'm Nguyen Van An",
  "this is Maria Garcia calling", "my wife Anna Müller", "call me Mike", "Applicant: ...", and a signature
  at the very end ("Thanks, John", "Regards,\\nDaniel Kim", "- Lucas");
* Japanese honorifics in romaji: "Tanaka-san", "Suzuki san", "Sato-sensei".

"I'm John's landlord" gives John away: it is removed too (a tenant's first name is personal data as much as
the writer's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from chatbot.privacy.english_words import (
    ADJECTIVE_NAMES,
    CALENDAR,
    DESCRIPTIVE,
    FUNCTION,
    INSTITUTIONS,
    KINSHIP_ROMAJI,
    NAME_ENDS,
    NAMELIKE,
    NATIONALITIES,
    PLACES,
)
from chatbot.privacy.folding import char_class
from chatbot.privacy.patterns import compile_pattern

_LATIN_RANGES = (*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00))
_UP = char_class(cp for cp in _LATIN_RANGES if chr(cp).isupper())
_LO = char_class(cp for cp in _LATIN_RANGES if chr(cp).islower())
_LETTER = char_class(cp for cp in _LATIN_RANGES if chr(cp).isalpha())

# One word of a name: John, Müller, O'Brien, McDonald, Jean-Pierre, Min-jun; SMITH in a form; john typed
# in lower case. A capitalised word stops before 's (John's).
_CAP = rf"{_UP}(?:['’]{_UP})?{_LO}+(?:(?:-{_UP}?|{_UP}){_LO}+)*"
_ALLCAP = rf"{_UP}{{2,}}(?:-{_UP}{{2,}})?"
_LOWER = rf"{_LO}{{2,}}(?:-{_LO}+)?"
_PARTICLE = r"(?:de|da|do|dos|das|del|della|di|du|van|von|der|den|la|le|bin|binti|bte|al|el|y|ibn|ter|ten)"
_INITIAL = rf"{_UP}\."
_END = rf"(?!{_LETTER})"
# Up to five words, with particles (Thiago dos Santos, García de la Cruz) and initials (John F. Kennedy).
_NAME_CAP = rf"(?:{_INITIAL}[ ]?)?{_CAP}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}(?:{_INITIAL}[ ])?{_CAP}){{0,4}}{_END}"
_NAME_ALLCAP = rf"{_ALLCAP}(?:[ ]{_ALLCAP}){{0,3}}{_END}"
_NAME_LOWER = rf"{_LOWER}(?:[ ]{_LOWER}){{0,3}}{_END}"
_NAME_ANY = rf"(?:{_NAME_CAP}|{_NAME_ALLCAP}|{_NAME_LOWER})"
_NAME_CAPS = rf"(?:{_NAME_CAP}|{_NAME_ALLCAP})"

_NAME_KIND = r"(?:(?:full|first|last|family|given|middle|maiden|legal|real|sur|nick|christian)[ ]?)?"
# Whose name a form field asks for: "Applicant name:", "Child's name:", "My name:".
_FIELD_OWNER = (
    r"(?:(?:my|your|his|her|applicant|contact|resident|tenant|child|parent|guardian|patient|student|owner"
    r"|spouse|wife|husband|son|daughter|mother|father|account[ ]holder)(?:['’]s)?[ ])?"
)
# Where a field starts: the beginning of a line or after a punctuation mark (not "file name: ...").
_FIELD_START = r"(?:^|(?<=[\n.,;!?/|(\[]))[ ]*"
_AND_NAME = rf"(?:[ ](?:and|&)[ ]{_NAME_CAP})?"

# Strong: "my name is", "My son's name is", "Our names are ... and ...", "Name: ...", "Full name - ...".
_STRONG = (
    compile_pattern(
        rf"(?i:(?<![a-z])(?:my|his|her|their|our|your|[a-z]+['’]s)[ ]+{_NAME_KIND}"
        rf"name(?:s[ ]are|[ ]is|[ ]was|['’]s)[ ]*[:=]?[ ]*)(?P<name>{_NAME_ANY}{_AND_NAME})"
    ),
    compile_pattern(
        _FIELD_START + rf"(?i:{_FIELD_OWNER}{_NAME_KIND}name[ ]?(?:\([^)\n]{{0,20}}\)[ ]?)?(?::|=|[ ]?-[ ]))[ ]*"
        rf"(?P<name>{_NAME_ANY})",
        re.MULTILINE,
    ),
)
_TITLE = compile_pattern(
    r"(?<![A-Za-z])(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Mister|Madam|Mme|Mlle|Sr|Sra|Srta)(?:\.|(?![A-Za-z]))[ ]*"
    rf"(?P<name>{_NAME_CAPS})|(?:mr|mrs|ms)\.[ ]*(?P<lower>{_LOWER}(?:[ ]{_LOWER})?{_END}))"
)
# What follows a name that someone gives as theirs: the end of a clause, or "calling", "here", "from" ...
# Not a question mark: "This is Greenhill Park?" asks about a place.
_FOLLOWS_A_NAME = (
    r"[ ]*(?:[,.!;:)\n]|$|-san|(?i:calling|speaking|here|from|writing|again|and|with|in|at|of|on)(?![a-z]))"
)
_RELATION = (
    r"(?:wife|husband|spouse|son|daughter|child|kid|baby|mother|mom|mum|father|dad|parent|brother|sister"
    r"|grandmother|grandma|grandfather|grandpa|grandson|granddaughter|uncle|aunt|nephew|niece|cousin|partner"
    r"|fianc[ée]e?|boyfriend|girlfriend|friend|neighbou?r|landlord|landlady|roommate|flatmate|housemate"
    r"|colleague|co-?worker|boss|employer|guarantor|caregiver|helper|tenant|step(?:son|daughter|mother|father)"
    r"|(?:mother|father|sister|brother|son|daughter)-in-law"
    r"|twins|kids|children|sons|daughters|parents|brothers|sisters|friends)"
)
# Sign-offs; the short ones that are ordinary words too ("I love Sakura", "the best Ramen") only at the start
# of a line or sentence, and with a comma or a line break before the name.
_SIGN_OFF = (
    r"(?:(?:thanks(?:[ ](?:a[ ]lot|again|so[ ]much))?|thank[ ]you(?:[ ](?:very[ ]much|so[ ]much|again))?|thx"
    r"|many[ ]thanks|(?:best|kind|warm|warmest)[ ]regards|regards|best[ ]wishes|sincerely"
    r"|yours[ ](?:sincerely|truly|faithfully))[ ]*[,.!:;-]*"
    r"|(?:\A|(?<=[\n.!?])|(?<=[\n.!?][ ]))(?:best|cheers|yours|respectfully|love)[ ]*[,.!:;-]*(?=[ ]*[,\n])[ ]*,?)"
)
_GREETING = r"(?P<greeting>(?i:hi|hello|hey|good[ ](?:morning|afternoon|evening))[ ]*[,!.]?[ ]*)?"
# Weaker: only a capitalised name counts.
_WEAK = (
    # I'm Nguyen Van An / I am Kenji Sato / I, Maria Lopez, ...
    compile_pattern(rf"(?:(?<![A-Za-z])(?i:i)(?i:['’]m|[ ]am)|(?<![A-Za-z])Im)[ ]+(?P<name>{_NAME_CAP})"),
    compile_pattern(rf"(?<![A-Za-z])I,[ ]+(?P<name>{_NAME_CAP}),"),
    # this is Maria Garcia calling / It's me, Ana / We are Pedro and Lucia Alvarez / We're the Silva family
    compile_pattern(
        rf"(?i:(?<![a-z])(?:this|it)(?:[ ]is|['’]s)[ ]+(?:me[ ]*,?[ ]+)?)(?P<name>{_NAME_CAP})(?={_FOLLOWS_A_NAME})"
    ),
    compile_pattern(
        rf"(?i:(?<![a-z])we(?:[ ]are|['’]re)[ ]+(?:the[ ])?)(?P<name>{_NAME_CAP}{_AND_NAME})"
        rf"(?=(?i:[ ]family)|{_FOLLOWS_A_NAME})"
    ),
    # Maria Lopez here, ... / Hi, Maria here. (at the start of a sentence; one word only after a greeting)
    compile_pattern(rf"(?:^|(?<=[.!?\n]))[ ]*{_GREETING}(?P<name>{_NAME_CAP})[ ]+here(?=[ ]*[,.!;\n])", re.MULTILINE),
    # call me Mike / under the name Rajesh Kumar Singh
    compile_pattern(
        rf"(?i:(?<![a-z])(?:call[ ]me|under[ ]the[ ]name(?:[ ]of)?|in[ ]the[ ]name[ ]of)[ ]+)(?P<name>{_NAME_CAP})"
        r"(?=[ ]*(?:[,.!?;:)\n]|$|(?i:and|please)(?![a-z])))"
    ),
    # my wife Anna Müller / My kids Ethan and Chloe / my husband is Jonas Schmidt / My kids are Liam and Noah
    compile_pattern(
        rf"(?i:(?<![a-z])(?:my|our|his|her|their)[ ]+(?:(?:little|older|younger|elder|new|old|best)[ ])?"
        rf"{_RELATION}[ ]*,?[ ]+)(?P<name>{_NAME_CAP}{_AND_NAME})"
    ),
    compile_pattern(
        rf"(?i:(?<![a-z])(?:my|our|his|her|their)[ ]+{_RELATION}(?:['’]s[ ]name)?[ ]+(?:is|was|are)[ ]+)"
        rf"(?P<name>{_NAME_CAP}{_AND_NAME})(?={_FOLLOWS_A_NAME})"
    ),
    # Applicant: Sita Gurung / From: Daniel Kim
    compile_pattern(
        _FIELD_START + r"(?i:applicant|from|signed|signature|sender|requester|tenant|guarantor|contact[ ]person"
        rf"|parent|guardian|patient|student)[ ]?:[ ]*(?P<name>{_NAME_CAPS})",
        re.MULTILINE,
    ),
    # Signatures at the very end: "Thanks, John", "Regards,\nDaniel Kim", "- Lucas", "...?\nNguyen Van Long"
    compile_pattern(rf"(?i:(?<![a-z]){_SIGN_OFF})[ \n]*(?P<name>{_NAME_CAP})[ ]*[.!]*[ \n]*\Z"),
    compile_pattern(rf"(?:(?<=[.!?\n])|\A)[ ]*-+[ ]*(?P<name>{_NAME_CAP})[ ]*\Z"),
    compile_pattern(rf"(?:(?<=[.!?)]\n)|(?<=[.!?)]\n\n))[ ]*(?P<name>{_NAME_CAP})[ ]*[.!]?[ \n]*\Z"),
)
_HONORIFIC = r"(?:san|sama|kun|chan|dono|sensei|senpai)(?![A-Za-z])"
_SUFFIXED = (
    compile_pattern(rf"(?<![A-Za-z'’-])(?P<name>{_CAP}(?:[ ]{_CAP})?)-{_HONORIFIC}"),
    compile_pattern(rf"(?<![A-Za-z'’-])(?P<name>{_CAP})[ ]{_HONORIFIC}"),
    compile_pattern(rf"(?<![A-Za-z'’-])(?P<name>{_LOWER})-{_HONORIFIC}"),
)
# Shops named like a person: Mister Donut (the doughnut chain), Mr Max (the discount store).
_NOT_AFTER_TITLE = frozenset({"donut", "donuts", "max"})

Strength = Literal["strong", "title", "weak"]

_ANY_WORD = FUNCTION | DESCRIPTIVE | NATIONALITIES | PLACES | CALENDAR
_STRONG_STOPS = (FUNCTION | DESCRIPTIVE | NATIONALITIES) - NAMELIKE
_STRONG_ALONE_STOPS = (INSTITUTIONS | PLACES) - NAMELIKE  # My name is Tokyo? (a place, not a name)
_TITLE_STOPS = (FUNCTION - NAMELIKE) | _NOT_AFTER_TITLE
_LOWER_STOPS = _ANY_WORD | INSTITUTIONS
_LOWER_ENDS = NAME_ENDS | (FUNCTION - NAMELIKE) | DESCRIPTIVE
_WEAK_LAST_STOPS = (INSTITUTIONS | FUNCTION | CALENDAR) - NAMELIKE
_WORD = re.compile(r"\S+")
_LATIN_WORD = re.compile(r"[A-Za-z]{2}")


def _key(word: str) -> str:
    """The word as the lists hold it: lower case, without a trailing full stop, first part of a hyphenated one."""
    return word.lower().rstrip(".").split("-")[0]


def _name_words(text: str, offset: int) -> list[tuple[int, int, str]]:
    return [(offset + m.start(), offset + m.end(), m.group()) for m in _WORD.finditer(text)]


def _kept(words: list[tuple[int, int, str]], strength: Strength) -> tuple[int, int] | None:
    """The span of the name among ``words`` (up to the first word that ends it), or None if it is no name.

    The first word decides whether there is a name at all, the more strictly the weaker the place it was found
    in; the name then ends before a word that starts the rest of the sentence (Kenji Sato And I ...).
    """
    if not words:
        return None
    first = _key(words[0][2])
    lower = words[0][2].islower()
    if strength == "strong":
        if first in (_LOWER_STOPS if lower else _STRONG_STOPS):
            return None
        if len(words) == 1 and not lower and first in _STRONG_ALONE_STOPS:
            return None
    elif strength == "title":
        if first in _TITLE_STOPS:
            return None
    elif first in _ANY_WORD or (first in INSTITUTIONS and (len(words) == 1 or first not in NAMELIKE)):
        return None  # I'm Japanese, It's Monday, This is City Hall, It's Lawson
    elif len(words) == 1 and first in ADJECTIVE_NAMES:
        return None  # I'm Christian, I'm Black (but I'm Christian Müller)
    ends = _LOWER_ENDS if lower else NAME_ENDS
    kept = [words[0]]
    for word in words[1:]:
        if _key(word[2]) in ends:
            break
        kept.append(word)
    while len(kept) > 1 and re.fullmatch(_PARTICLE, kept[-1][2]):
        kept.pop()
    if strength == "weak" and len(kept) > 1 and _key(kept[-1][2]) in _WEAK_LAST_STOPS:
        return None  # City Hall, Tokyo Station, Sakura Housing, Marine Day (but Kevin Park)
    return kept[0][0], kept[-1][1]


def _names(match: re.Match[str], group: str, strength: Strength) -> Iterator[tuple[int, int]]:
    """The names in a match's group: one, or two joined by "and" (Lucas Pereira and Ana Souza)."""
    start = match.start(group)
    text = match.group(group)
    parts = re.split(r"([ ](?:and|&)[ ])", text) if strength != "title" else [text]
    offset = start
    for index, part in enumerate(parts):
        if index % 2 == 0:
            span = _kept(_name_words(part, offset), strength)
            if span is not None:
                yield span
        offset += len(part)


def english_name_spans(words: str) -> list[tuple[int, int]]:
    """Spans of the names in the folded text ``words``."""
    if not _LATIN_WORD.search(words):
        return []
    found: list[tuple[int, int]] = []
    for pattern in _STRONG:
        for m in pattern.finditer(words):
            found.extend(_names(m, "name", "strong"))
    for m in _TITLE.finditer(words):
        found.extend(_names(m, "name" if m.group("name") else "lower", "title"))
    for pattern in _WEAK:
        for m in pattern.finditer(words):
            if "greeting" in pattern.groupindex and not m.group("greeting") and " " not in m.group("name"):
                continue  # "Garbage here, ..." is no introduction; "Hi, Maria here" and "Maria Lopez here" are
            found.extend(_names(m, "name", "weak"))
    for pattern in _SUFFIXED:
        for m in pattern.finditer(words):
            start, end = m.span("name")
            first, _, rest = m.group("name").partition(" ")
            if rest and _key(first) in _ANY_WORD:  # "Is Tanaka-san there?"
                start += len(first) + 1
            if _key(words[start:end]) not in KINSHIP_ROMAJI:
                found.append((start, end))
    return found
