/*
 * Town FAQ chat widget: the resident-facing chat button and panel.
 *
 * Embed with one tag (no other markup, no inline script):
 *   <script src="https://faq.town.example/static/widget/chat-widget.js" defer
 *           data-lang="ja" data-position="right" data-api-origin="https://faq.town.example"></script>
 *
 * Options (all optional):
 *   data-lang        ja | en       first UI language; default from <html lang>, else ja
 *   data-position    right | left  corner of the chat button; default right
 *   data-api-origin  https://...   where /api/v1/chat lives; default: this script's own origin
 * The stylesheet chat-widget.css is loaded from the same folder as this script.
 *
 * Everything that comes from the API is put into the page as text
 * (textContent / createTextNode), never as HTML; links are only http(s).
 * Plain ES2020, no dependencies, no eval, no inline styles: works under
 * "script-src 'self'; style-src 'self'".
 */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || document.querySelector(".tfw-root")) {
    return; // not loaded as a classic <script>, or already on the page
  }

  const STRINGS = {
    ja: {
      launcher: "チャットで質問",
      title: "よくある質問 チャット",
      close: "閉じる",
      langGroup: "表示言語",
      log: "会話",
      input: "質問",
      placeholder: "例：粗大ごみの出し方",
      send: "送信",
      welcome: "町のよくある質問（FAQ）からお答えします。ご質問を入力してください。",
      privacy: "氏名・電話番号などの個人情報は入力しないでください。",
      you: "あなた：",
      bot: "回答：",
      thinking: "回答を探しています…",
      source: "出典：",
      sourceLink: "このFAQのページ",
      newTab: "（新しいタブで開きます）",
      updated: "最終更新：",
      llmNote: "この回答は、FAQの内容をもとにAIが短くまとめたものです。正確な内容は出典のFAQでご確認ください。",
      machine: "機械翻訳",
      japaneseOnly: "日本語のみ",
      contact: "お問い合わせ",
      phone: "電話",
      window: "窓口",
      hours: "受付時間",
      closed: "休業日",
      clarify: "次のどれについてのご質問ですか？",
      clarifyChoices: "質問の候補",
      clarifyOther: "どれにも当てはまらない場合のお問い合わせ先",
      handoff: "お問い合わせ先",
      related: "関連するFAQ",
      feedbackQuestion: "この回答は役に立ちましたか？",
      helpful: "役に立った",
      notHelpful: "役に立たなかった",
      thanks: "ありがとうございました。",
      commentLabel: "よろしければ理由をお聞かせください（任意。個人情報は書かないでください）",
      commentSend: "意見を送信",
      commentThanks: "ご意見ありがとうございました。",
      feedbackFailed: "送信できませんでした。しばらくしてからもう一度お試しください。",
      network: "通信できませんでした。接続を確認して「再送信」を押してください。",
      retry: "再送信",
      failed: "ただいま回答できません。しばらくしてからお試しください。",
      busy: "前のご質問に回答中です。少しお待ちください。",
      empty: "質問を入力してください。",
    },
    en: {
      launcher: "Ask in chat",
      title: "FAQ chat",
      close: "Close",
      langGroup: "Language",
      log: "Conversation",
      input: "Your question",
      placeholder: "e.g. How do I throw away a sofa?",
      send: "Send",
      welcome: "Answers come from the town's frequently asked questions. Please type your question.",
      privacy: "Please do not enter personal details such as your name or phone number.",
      you: "You: ",
      bot: "Answer: ",
      thinking: "Looking for an answer…",
      source: "Source: ",
      sourceLink: "FAQ page",
      newTab: " (opens in a new tab)",
      updated: "Last updated: ",
      llmNote: "This reply was shortened by AI from the FAQ. Please check the source FAQ for the exact wording.",
      machine: "Machine translation",
      japaneseOnly: "Japanese only",
      contact: "Contact",
      phone: "Phone",
      window: "Window",
      hours: "Hours",
      closed: "Closed",
      clarify: "Which of these do you mean?",
      clarifyChoices: "Possible questions",
      clarifyOther: "If none of these fits, contact",
      handoff: "Contact",
      related: "Related FAQs",
      feedbackQuestion: "Was this answer helpful?",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      thanks: "Thank you.",
      commentLabel: "If you like, tell us why (optional; no personal details, please)",
      commentSend: "Send comment",
      commentThanks: "Thank you for your comment.",
      feedbackFailed: "Could not send. Please try again later.",
      network: "Could not connect. Check your connection and press \u201cRetry\u201d.",
      retry: "Retry",
      failed: "We cannot answer right now. Please try again later.",
      busy: "Still answering your previous question. Please wait a moment.",
      empty: "Please type a question.",
    },
  };
  const LANGS = ["ja", "en"];
  const TIMEOUT_MS = 20000;
  const MAX_QUESTION = 500;
  const MAX_COMMENT = 1000;
  const MAX_RELATED = 3;

  // ---- options --------------------------------------------------------------------------------------------

  const scriptUrl = new URL(script.src, document.baseURI);
  const apiOrigin = originOption(script.dataset.apiOrigin) || scriptUrl.origin;
  const position = script.dataset.position === "left" ? "left" : "right";
  const state = {
    lang: langOption(script.dataset.lang) || langOption(document.documentElement.lang) || "ja",
    busy: false,
    sessionId: sessionId(),
  };

  function langOption(value) {
    const code = String(value || "").trim().toLowerCase().split("-")[0];
    return LANGS.includes(code) ? code : "";
  }

  function originOption(value) {
    if (!value) {
      return "";
    }
    try {
      const url = new URL(value, document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.origin : "";
    } catch (e) {
      return "";
    }
  }

  function t(key, lang) {
    return STRINGS[lang || state.lang][key];
  }

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Not a secure context (plain http): a version-4 UUID from getRandomValues.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function sessionId() {
    const name = "tfw-session";
    try {
      const stored = window.sessionStorage.getItem(name);
      if (stored && /^[A-Za-z0-9-]{8,100}$/.test(stored)) {
        return stored;
      }
      const fresh = randomId();
      window.sessionStorage.setItem(name, fresh);
      return fresh;
    } catch (e) {
      return randomId(); // storage blocked: one session per page view
    }
  }

  // ---- safe DOM helpers: text only, attributes only from constants or checked values ----------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function str(value) {
    return typeof value === "string" ? value : "";
  }

  /** An absolute http(s) URL, or "" (javascript:, data:, and anything unparsable are dropped). */
  function safeUrl(value, base) {
    if (typeof value !== "string" || !value.trim()) {
      return "";
    }
    try {
      const url = new URL(value.trim(), base);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  function telHref(phone) {
    const digits = str(phone).replace(/[^0-9+]/g, "");
    return /^\+?[0-9]{2,20}$/.test(digits) ? `tel:${digits}` : "";
  }

  function link(href, text, newTab) {
    const a = el("a", "tfw-link", text);
    a.href = href;
    if (newTab) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(el("span", "tfw-vh", t("newTab")));
    }
    return a;
  }

  function phoneLink(phone) {
    const href = telHref(phone);
    if (!href) {
      return document.createTextNode(str(phone));
    }
    const a = el("a", "tfw-link tfw-tel", str(phone));
    a.href = href;
    return a;
  }

  function button(className, text) {
    const b = el("button", `tfw-btn ${className}`, text);
    b.type = "button";
    return b;
  }

  function formatDate(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(str(iso));
    if (!match) {
      return null;
    }
    const time = el("time", "", state.lang === "ja"
      ? `${Number(match[1])}年${Number(match[2])}月${Number(match[3])}日`
      : iso);
    time.dateTime = iso;
    return time;
  }

  /** "ja" for a text mostly in Japanese script, else "en" (the town's English texts may quote Japanese names). */
  function textLang(value) {
    const japanese = (str(value).match(/[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]/g) || []).length;
    const latin = (str(value).match(/[A-Za-z]/g) || []).length;
    return japanese >= latin ? "ja" : "en";
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // ---- the static parts --------------------------------------------------------------------------------

  const root = el("div", `tfw-root tfw-${position}`);
  root.hidden = true; // until the stylesheet has loaded

  const launcher = button("tfw-launcher", "");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "tfw-panel");
  launcher.appendChild(bubbleIcon());
  const launcherLabel = el("span", "tfw-launcher-label");
  launcher.appendChild(launcherLabel);

  const panel = el("section", "tfw-panel");
  panel.id = "tfw-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "tfw-title");
  panel.hidden = true;

  const header = el("div", "tfw-header");
  const heading = el("h2", "tfw-title");
  heading.id = "tfw-title";
  const langGroup = el("div", "tfw-lang");
  langGroup.setAttribute("role", "group");
  const langButtons = LANGS.map((code) => {
    const b = button("tfw-lang-btn", code === "ja" ? "日本語" : "English");
    b.lang = code;
    b.dataset.lang = code;
    b.addEventListener("click", () => languageSet(code));
    langGroup.appendChild(b);
    return b;
  });
  const closeButton = button("tfw-close", "");
  const closeMark = el("span", "", "×");
  closeMark.setAttribute("aria-hidden", "true");
  const closeLabel = el("span", "tfw-vh");
  closeButton.append(closeMark, closeLabel);
  closeButton.addEventListener("click", () => panelClose(true));
  header.append(heading, closeButton, langGroup);

  const log = el("div", "tfw-log");
  log.id = "tfw-log";
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions text");
  log.tabIndex = 0; // a scrollable region must be reachable from the keyboard

  const form = el("form", "tfw-form");
  form.noValidate = true;
  const inputLabel = el("label", "tfw-vh");
  inputLabel.htmlFor = "tfw-input";
  const input = el("input", "tfw-input");
  input.id = "tfw-input";
  input.type = "text";
  input.name = "question";
  input.autocomplete = "off";
  input.maxLength = MAX_QUESTION;
  input.enterKeyHint = "send";
  input.setAttribute("aria-describedby", "tfw-privacy");
  const sendButton = el("button", "tfw-btn tfw-send");
  sendButton.type = "submit";
  form.append(inputLabel, input, sendButton);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    questionSubmit();
  });

  const privacy = el("p", "tfw-privacy");
  privacy.id = "tfw-privacy";

  panel.append(header, log, form, privacy);
  root.append(launcher, panel);

  launcher.addEventListener("click", () => (panel.hidden ? panelOpen() : panelClose(true)));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      panelClose(true);
    }
  });

  function bubbleIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "tfw-icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function labelsRender() {
    root.lang = state.lang;
    launcherLabel.textContent = t("launcher");
    heading.textContent = t("title");
    langGroup.setAttribute("aria-label", t("langGroup"));
    for (const b of langButtons) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    }
    closeLabel.textContent = t("close");
    log.setAttribute("aria-label", t("log"));
    inputLabel.textContent = t("input");
    input.placeholder = t("placeholder");
    sendButton.textContent = t("send");
    privacy.textContent = t("privacy");
  }

  function languageSet(code) {
    if (state.lang === code) {
      return;
    }
    state.lang = code;
    labelsRender();
    message("tfw-bot tfw-note", t("welcome"));
  }

  let welcomed = false;

  function panelOpen() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("tfw-open");
    if (!welcomed) {
      welcomed = true;
      message("tfw-bot tfw-note", t("welcome"));
    }
    input.focus();
  }

  function panelClose(returnFocus) {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("tfw-open");
    if (returnFocus) {
      launcher.focus();
    }
  }

  // ---- the log ------------------------------------------------------------------------------------------

  /** A new message in the log, in the UI's language unless told; `text` (if any) becomes its first paragraph. */
  function message(kind, text, who, lang) {
    const item = el("div", `tfw-msg ${kind}`);
    item.lang = langOption(lang) || state.lang;
    if (who) {
      item.appendChild(el("span", "tfw-vh", who));
    }
    if (text !== undefined) {
      item.appendChild(el("p", "tfw-text", text));
    }
    log.appendChild(item);
    messageReveal(item);
    return item;
  }

  function messageReveal(item) {
    // Bring the new message into view; a reply from its top, as a long answer is read from there.
    const block = item.classList.contains("tfw-bot") ? "start" : "nearest";
    item.scrollIntoView({ block, inline: "nearest", behavior: reducedMotion() ? "auto" : "smooth" });
  }

  function pendingShow() {
    const item = message("tfw-bot tfw-pending", t("thinking"));
    log.setAttribute("aria-busy", "true");
    return item;
  }

  function pendingHide(item) {
    item.remove();
    log.removeAttribute("aria-busy");
  }

  // ---- asking -------------------------------------------------------------------------------------------

  function questionSubmit() {
    const question = input.value;
    if (state.busy) {
      notice(t("busy"));
      return;
    }
    if (!question.trim()) {
      notice(t("empty"));
      input.focus();
      return;
    }
    input.value = "";
    ask(question);
  }

  let lastNotice = null;

  function notice(text) {
    if (lastNotice) {
      lastNotice.remove();
    }
    lastNotice = message("tfw-bot tfw-note", text);
  }

  /** One question: a fresh Idempotency-Key, shown once in the log. */
  function ask(question, faqId) {
    message("tfw-user", question, t("you"));
    const request = { question, lang: state.lang, key: randomId(), faqId };
    return send(request);
  }

  /** Send (or re-send, with the same Idempotency-Key) one question and show what came back. */
  async function send(request) {
    state.busy = true;
    const pending = pendingShow();
    let outcome;
    try {
      const payload = { question: request.question, lang: request.lang, session_id: state.sessionId };
      if (Number.isInteger(request.faqId)) {
        payload.faq_id = request.faqId; // the resident picked this FAQ from a "Did you mean" choice
      }
      outcome = await post("/api/v1/chat", payload, { "Idempotency-Key": request.key });
    } finally {
      pendingHide(pending);
      state.busy = false;
    }
    if (outcome.network) {
      retryOffer(request, t("network"));
    } else if (outcome.ok && outcome.body && typeof outcome.body === "object") {
      responseRender(outcome.body);
    } else {
      const text = errorText(outcome.body) || t("failed");
      if (outcome.status === 429 || outcome.status >= 500) {
        retryOffer(request, text);
      } else {
        message("tfw-bot tfw-error", text, t("bot"));
      }
    }
  }

  async function post(path, payload, headers) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(apiOrigin + path, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
        headers: { "Content-Type": "application/json", "X-Chat-Client": "widget", ...headers },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
    } catch (e) {
      return { network: true };
    } finally {
      window.clearTimeout(timer);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null; // e.g. a proxy's HTML error page
    }
    return { ok: response.ok, status: response.status, body };
  }

  function errorText(body) {
    return body && body.error && typeof body.error.message === "string" ? body.error.message : "";
  }

  function retryOffer(request, text) {
    const item = message("tfw-bot tfw-error", text, t("bot"));
    const retry = button("tfw-retry", t("retry"));
    retry.addEventListener("click", () => {
      if (state.busy) {
        notice(t("busy"));
        return;
      }
      item.remove();
      input.focus();
      send(request); // the same Idempotency-Key: never a second turn for one question
    });
    item.appendChild(retry);
  }

  function responseRender(body) {
    const outcome = body.outcome;
    if (outcome === "answer") {
      answerRender(body);
    } else if (outcome === "clarify") {
      clarifyRender(body);
    } else if (outcome === "handoff") {
      handoffRender(body);
    } else {
      message("tfw-bot tfw-error", str(body.answer) || t("failed"), t("bot"), body.lang);
    }
  }

  function answerRender(body) {
    const source = Array.isArray(body.sources) && body.sources[0] && typeof body.sources[0] === "object"
      ? body.sources[0] : {};
    const item = message("tfw-bot tfw-answer", undefined, t("bot"));
    const machine = body.translation === "machine";
    // A line in English about the answer's language (Japanese only, machine translation): read first.
    if (str(body.notice).trim()) {
      const note = el("p", "tfw-notice", str(body.notice).trim());
      note.lang = "en";
      item.appendChild(note);
    }
    if (str(source.question)) {
      const title = el("h3", "tfw-faq-title", source.question);
      title.lang = langOption(source.lang) || "ja"; // the FAQ's question, in English where the town wrote it
      item.appendChild(title);
    }
    if (machine) {
      item.appendChild(el("p", "tfw-machine-label", t("machine")));
    }
    const answer = el("p", "tfw-text", str(body.answer));
    // The language the API says the answer is in; else: the FAQ's own text is Japanese, an LLM reply is in the
    // question's language.
    answer.lang = langOption(body.answer_lang)
      || (body.composer === "llm" && typeof body.lang === "string" ? body.lang : "ja");
    item.appendChild(answer);
    if (body.composer === "llm" && !machine) {
      item.appendChild(el("p", "tfw-llm-note", t("llmNote")));
    }

    const meta = el("p", "tfw-meta");
    const href = safeUrl(source.source_url, apiOrigin)
      || (Number.isInteger(source.faq_id) ? `${apiOrigin}/faq/${source.faq_id}/` : "");
    if (href) {
      const line = el("span", "tfw-source", t("source"));
      line.appendChild(link(href, t("sourceLink"), true));
      meta.appendChild(line);
    }
    const date = formatDate(source.updated);
    if (date) {
      const line = el("span", "tfw-updated", t("updated"));
      line.appendChild(date);
      meta.appendChild(line);
    }
    if (meta.childNodes.length) {
      item.appendChild(meta);
    }
    relatedAppend(item, body.related);
    if (body.contact && typeof body.contact === "object") {
      item.appendChild(contactCard(body.contact, t("contact")));
    }
    if (typeof body.turn_id === "string" && /^[0-9a-fA-F-]{32,36}$/.test(body.turn_id)) {
      item.appendChild(feedbackBox(body.turn_id));
    }
  }

  /** The FAQ entries of a response list (choices, related) that have a question to show. */
  function faqEntries(value) {
    if (!Array.isArray(value)) {
      return []; // absent in responses stored before the field existed
    }
    return value.filter((entry) => entry && typeof entry === "object" && str(entry.question));
  }

  /**
   * A list of FAQ questions as buttons; pressing one asks that FAQ in the chat (a new turn with a new
   * Idempotency-Key and its faq_id: it is answered, not gated again). The buttons of the list are then
   * disabled, the pressed one marked.
   */
  function faqList(entries, listClass, buttonClass) {
    const list = el("ul", listClass);
    const buttons = entries.map((entry) => {
      const b = button(buttonClass, entry.question);
      b.lang = langOption(entry.lang) || "ja"; // the FAQ's question, in English where the town wrote it
      if (state.lang === "en" && b.lang === "ja") {
        // A reader of English can tell this choice apart before opening it.
        const tag = el("span", "tfw-ja-only", t("japaneseOnly"));
        tag.lang = "en";
        b.append(" ", tag);
      }
      b.addEventListener("click", () => {
        if (state.busy) {
          notice(t("busy"));
          return;
        }
        for (const other of buttons) {
          other.disabled = true;
          other.setAttribute("aria-pressed", String(other === b));
        }
        input.focus();
        ask(entry.question, Number.isInteger(entry.faq_id) ? entry.faq_id : undefined);
      });
      const li = el("li");
      li.appendChild(b);
      list.appendChild(li);
      return b;
    });
    return list;
  }

  let relatedCount = 0;

  /** Related FAQs beneath an answer or a handoff, as a captioned list of links that ask them; none: nothing. */
  function relatedAppend(item, related) {
    const entries = faqEntries(related).slice(0, MAX_RELATED);
    if (!entries.length) {
      return;
    }
    relatedCount += 1;
    const box = el("div", "tfw-related-box");
    const caption = el("p", "tfw-related-caption", t("related"));
    caption.id = `tfw-related-${relatedCount}`;
    caption.lang = state.lang;
    const list = faqList(entries, "tfw-related-list", "tfw-related");
    list.setAttribute("aria-labelledby", caption.id);
    box.append(caption, list);
    item.appendChild(box);
  }

  function clarifyRender(body) {
    const item = message("tfw-bot tfw-clarify", str(body.answer) || t("clarify"), t("bot"), body.lang);
    const list = faqList(faqEntries(body.choices), "tfw-choices", "tfw-choice");
    list.setAttribute("aria-label", t("clarifyChoices"));
    item.appendChild(list);
    if (body.handoff && typeof body.handoff === "object") {
      item.appendChild(contactCard(body.handoff, t("clarifyOther")));
    }
  }

  function handoffRender(body) {
    const item = message("tfw-bot tfw-handoff", str(body.answer) || t("failed"), t("bot"), body.lang);
    relatedAppend(item, body.related);
    if (body.handoff && typeof body.handoff === "object") {
      item.appendChild(contactCard(body.handoff, t("handoff")));
    }
  }

  /** Department, tap-to-call phone, window, hours and closed days, as a small card. */
  function contactCard(contact, caption) {
    const card = el("div", "tfw-contact");
    card.appendChild(el("p", "tfw-contact-caption", caption));
    const name = state.lang === "en" && str(contact.department_en) ? contact.department_en : str(contact.department);
    if (name) {
      const strong = el("p", "tfw-department", name);
      if (name === str(contact.department)) {
        strong.lang = "ja";
      }
      card.appendChild(strong);
    }
    const rows = [
      ["phone", contact.phone],
      ["window", contact.window],
      ["hours", contact.hours],
      ["closed", contact.closed_days],
    ].filter(([, value]) => str(value).trim());
    if (rows.length) {
      const dl = el("dl", "tfw-contact-list");
      for (const [key, value] of rows) {
        dl.appendChild(el("dt", "", t(key)));
        const dd = el("dd");
        if (key === "phone") {
          dd.appendChild(phoneLink(value));
        } else {
          dd.textContent = value;
          // In English, the window, hours and closed days the town wrote in English (else its Japanese ones).
          dd.lang = state.lang === "en" ? textLang(value) : "ja";
        }
        dl.appendChild(dd);
      }
      card.appendChild(dl);
    }
    return card;
  }

  // ---- feedback -----------------------------------------------------------------------------------------

  function feedbackBox(turnId) {
    const box = el("div", "tfw-feedback");
    box.setAttribute("role", "group");
    const questionId = `tfw-fb-${turnId}`;
    const question = el("p", "tfw-feedback-question", t("feedbackQuestion"));
    question.id = questionId;
    box.setAttribute("aria-labelledby", questionId);
    const row = el("div", "tfw-feedback-buttons");
    const yes = button("tfw-helpful", t("helpful"));
    const no = button("tfw-not-helpful", t("notHelpful"));
    for (const b of [yes, no]) {
      b.setAttribute("aria-pressed", "false");
    }
    row.append(yes, no);
    const status = el("p", "tfw-feedback-status");
    box.append(question, row, status);

    let helpful = null;
    let commentForm = null;
    const lang = state.lang;

    async function rate(value) {
      helpful = value;
      yes.setAttribute("aria-pressed", String(value));
      no.setAttribute("aria-pressed", String(!value));
      const result = await post("/api/v1/feedback", { turn_id: turnId, helpful: value }, {});
      if (!result.ok) {
        status.textContent = errorText(result.body) || t("feedbackFailed", lang);
        return;
      }
      status.textContent = t("thanks", lang);
      if (!commentForm) {
        commentForm = commentFormBuild();
        box.appendChild(commentForm);
        commentForm.scrollIntoView({ block: "nearest", behavior: reducedMotion() ? "auto" : "smooth" });
      }
    }

    function commentFormBuild() {
      const cform = el("form", "tfw-comment");
      cform.noValidate = true;
      const id = `tfw-comment-${turnId}`;
      const label = el("label", "tfw-comment-label", t("commentLabel", lang));
      label.htmlFor = id;
      const area = el("textarea", "tfw-comment-input");
      area.id = id;
      area.rows = 3;
      area.maxLength = MAX_COMMENT;
      const submit = el("button", "tfw-btn tfw-comment-send", t("commentSend", lang));
      submit.type = "submit";
      cform.append(label, area, submit);
      cform.addEventListener("submit", async (event) => {
        event.preventDefault();
        const comment = area.value.trim();
        if (!comment) {
          area.focus();
          return;
        }
        submit.disabled = true;
        const result = await post("/api/v1/feedback", { turn_id: turnId, helpful, comment }, {});
        if (!result.ok) {
          submit.disabled = false;
          status.textContent = errorText(result.body) || t("feedbackFailed", lang);
          return;
        }
        const done = el("p", "tfw-feedback-status", t("commentThanks", lang));
        done.tabIndex = -1;
        cform.replaceWith(done);
        done.focus();
      });
      return cform;
    }

    yes.addEventListener("click", () => rate(true));
    no.addEventListener("click", () => rate(false));
    return box;
  }

  // ---- start --------------------------------------------------------------------------------------------

  function mount() {
    labelsRender();
    (document.body || document.documentElement).appendChild(root);
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("chat-widget.css", scriptUrl).href;
    const show = () => {
      root.hidden = false;
    };
    css.addEventListener("load", show);
    css.addEventListener("error", show); // unstyled, but usable
    document.head.appendChild(css);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
