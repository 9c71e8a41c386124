// The browser chat of the linli emulator: phones side by side, fed by a WebSocket.
// Reads /_emulator/feed, acts through the /_emulator/ control API (the one the tests use).
// No build step and no libraries: plain DOM. Bot text is shown only through sanitize().
"use strict";

const API = "/_emulator";
const PAGE_LANGUAGES = { en: "English", zh_Hans: "简体中文", zh_Hant: "繁體中文" };
// Telegram language codes a phone can report; names are shown in their own language.
const PHONE_LANGUAGES = { en: "English", "zh-hans": "简体中文", "zh-hant": "繁體中文" };
// Telegram's HTML tags (and their synonyms) -> the element we create.
const ALLOWED_TAGS = {
  B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", STRIKE: "s", DEL: "s",
  A: "a", CODE: "code", PRE: "pre", "TG-SPOILER": "tg-spoiler", BLOCKQUOTE: "blockquote",
};
const DROPPED_WITH_CONTENT = new Set(["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "EMBED"]);
const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

let strings = {};
let pageLanguage = "en";
const view = {
  people: [],
  groups: [],
  controls: [],
  status: {},
  messages: new Map(), // chat id -> Map(message id -> message)
  keyboards: new Map(), // chat id -> reply keyboard or null
  hiddenKeyboards: new Set(), // chat ids whose one-time keyboard was used
  speakers: new Map(), // group chat id -> user id writing there
  phones: new Map(), // chat id -> phone element
  following: new Map(), // chat id -> false once the reader scrolled up from the newest message
};

// ---- dictionary ------------------------------------------------------------------------

function t(key) {
  const table = strings[pageLanguage] || {};
  return table[key] ?? (strings.en || {})[key] ?? key;
}

function guessPageLanguage() {
  const saved = localStorage.getItem("linli.pageLanguage");
  if (saved && PAGE_LANGUAGES[saved]) return saved;
  const browser = (navigator.language || "en").toLowerCase();
  if (/^zh-(tw|hk|mo|hant)/.test(browser)) return "zh_Hant";
  if (browser.startsWith("zh")) return "zh_Hans";
  return "en";
}

function applyChromeStrings() {
  document.documentElement.lang = pageLanguage.replace("_", "-");
  document.title = t("title");
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  renderToolbar();
  for (const chat of allChats()) renderPhoneHeader(chat);
  for (const chatId of view.phones.keys()) renderMessages(chatId);
}

// ---- sanitising ----------------------------------------------------------------------------

// Rebuild `html` keeping only Telegram's tags (and safe links); everything else becomes text.
function sanitize(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const fragment = document.createDocumentFragment();
  copyAllowed(parsed.body, fragment);
  return fragment;
}

function copyAllowed(source, target) {
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      target.appendChild(document.createTextNode(node.data));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (DROPPED_WITH_CONTENT.has(node.tagName)) continue;
      let tag = ALLOWED_TAGS[node.tagName];
      if (node.tagName === "SPAN" && node.classList.contains("tg-spoiler")) tag = "tg-spoiler";
      if (!tag) {
        copyAllowed(node, target);
        continue;
      }
      let element;
      if (tag === "tg-spoiler") {
        element = document.createElement("span");
        element.className = "spoiler";
        element.addEventListener("click", () => element.classList.add("revealed"));
      } else {
        element = document.createElement(tag);
      }
      if (tag === "a") {
        const href = (node.getAttribute("href") || "").trim();
        if (SAFE_LINK.test(href)) {
          element.href = href;
          element.target = "_blank";
          element.rel = "noopener noreferrer";
        }
      }
      copyAllowed(node, element);
      target.appendChild(element);
    }
  }
}

// For tests: what sanitize() keeps of some HTML, as a string.
window.linliSanitize = (html) => {
  const box = document.createElement("div");
  box.appendChild(sanitize(html));
  return box.innerHTML;
};

// ---- talking to the emulator --------------------------------------------------------------

async function post(path, body) {
  const response = await fetch(API + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  let payload = {};
  try {
    payload = await response.json();
  } catch {
    payload = { ok: false, error: `HTTP ${response.status}` };
  }
  if (!payload.ok) throw new Error(payload.error || `HTTP ${response.status}`);
  return payload;
}

function findChat(chatId) {
  return allChats().find((chat) => chat.chat_id === chatId);
}

// Run a person's action in a chat (send_text, tap, ...) without waiting for the bot.
async function act(chatId, action, args) {
  const chat = findChat(chatId);
  const body = { ...args, wait: false };
  try {
    if (chat.kind === "group") {
      const speaker = view.speakers.get(chatId);
      if (!speaker) throw new Error("nobody in this group can write");
      await post(`/groups/${chatId}/users/${speaker}/${action}`, body);
    } else {
      await post(`/users/${chatId}/${action}`, body);
    }
  } catch (error) {
    toast(chatId, `${t("error")}: ${error.message}`, true);
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${API}/feed`);
  const indicator = document.getElementById("connection");
  socket.addEventListener("open", () => {
    indicator.textContent = "● " + t("live");
    indicator.classList.add("live");
    document.body.dataset.connected = "true";
  });
  socket.addEventListener("message", (event) => {
    if (event.data === "pong") return;
    handleEvent(JSON.parse(event.data));
  });
  socket.addEventListener("close", () => {
    indicator.textContent = t("reconnecting");
    indicator.classList.remove("live");
    document.body.dataset.connected = "false";
    setTimeout(connect, 1000);
  });
}

// ---- events ----------------------------------------------------------------------------------

function handleEvent(event) {
  switch (event.type) {
    case "snapshot":
      view.messages.clear();
      view.keyboards.clear();
      view.hiddenKeyboards.clear();
      for (const [chatId, messages] of Object.entries(event.messages)) {
        view.messages.set(Number(chatId), new Map(messages.map((m) => [m.message_id, m])));
      }
      for (const [chatId, keyboard] of Object.entries(event.keyboards)) {
        view.keyboards.set(Number(chatId), keyboard);
      }
      view.status = event.status || {};
      setChats(event);
      for (const chatId of view.phones.keys()) {
        renderMessages(chatId);
        renderKeyboard(chatId);
      }
      renderToolbar();
      document.body.dataset.ready = "true";
      break;
    case "chats":
      setChats(event);
      break;
    case "message":
      upsertMessage(event.message);
      break;
    case "keyboard":
      view.keyboards.set(event.chat_id, event.keyboard);
      view.hiddenKeyboards.delete(event.chat_id);
      renderKeyboard(event.chat_id);
      break;
    case "callback_answer":
      if (event.text && event.show_alert) showAlert(event.text);
      else if (event.text) toast(event.chat_id, event.text);
      if (event.url && SAFE_LINK.test(event.url)) window.open(event.url, "_blank", "noopener");
      break;
    case "chat_action":
      showTyping(event.chat_id, event.action);
      break;
    case "status":
      view.status = event.status || {};
      renderToolbar();
      break;
    default:
      break;
  }
}

function allChats() {
  return [...view.people, ...view.groups];
}

function setChats(event) {
  view.people = event.people || [];
  view.groups = event.groups || [];
  view.controls = event.controls || [];
  const main = document.getElementById("phones");
  const wanted = allChats().map((chat) => chat.chat_id);
  for (const [chatId, phone] of view.phones) {
    if (!wanted.includes(chatId)) {
      phone.remove();
      view.phones.delete(chatId);
    }
  }
  for (const chat of allChats()) {
    if (!view.phones.has(chat.chat_id)) {
      const phone = buildPhone(chat);
      view.phones.set(chat.chat_id, phone);
      renderMessages(chat.chat_id);
      renderKeyboard(chat.chat_id);
    }
    main.appendChild(view.phones.get(chat.chat_id)); // keeps the server's order
    if (chat.kind === "group") {
      const ids = chat.members.map((m) => m.id);
      if (!ids.includes(view.speakers.get(chat.chat_id))) {
        view.speakers.set(chat.chat_id, ids[0]);
      }
    }
    renderPhoneHeader(chat);
  }
  renderToolbar();
}

function upsertMessage(message) {
  const chatId = message.chat_id;
  if (!view.messages.has(chatId)) view.messages.set(chatId, new Map());
  const messages = view.messages.get(chatId);
  if (message.deleted) messages.delete(message.message_id);
  else messages.set(message.message_id, message);
  renderMessages(chatId);
}

// ---- rendering -----------------------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderToolbar() {
  const status = document.getElementById("status");
  status.textContent = view.status.clock ? `${t("demo_time")}: ${view.status.clock}` : "";
  const controls = document.getElementById("controls");
  controls.replaceChildren();
  for (const control of view.controls) {
    const button = element("button", "", t(control.label));
    button.type = "button";
    button.dataset.control = control.name;
    button.addEventListener("click", () => runControl(control, button));
    controls.appendChild(button);
  }
  const select = document.getElementById("page-language");
  if (!select.options.length) {
    for (const [code, name] of Object.entries(PAGE_LANGUAGES)) {
      select.appendChild(new Option(name, code));
    }
    select.addEventListener("change", () => {
      pageLanguage = select.value;
      localStorage.setItem("linli.pageLanguage", pageLanguage);
      applyChromeStrings();
    });
  }
  select.value = pageLanguage;
}

async function runControl(control, button) {
  if (control.confirm && !window.confirm(t(control.confirm))) return;
  const buttons = document.querySelectorAll("#controls button");
  for (const other of buttons) other.disabled = true;
  const label = button.textContent;
  button.textContent = t("working");
  try {
    await post(`/ui/controls/${control.name}`);
  } catch (error) {
    showAlert(`${t("error")}: ${error.message}`);
  } finally {
    for (const other of document.querySelectorAll("#controls button")) other.disabled = false;
    button.textContent = label;
  }
}

function buildPhone(chat) {
  const chatId = chat.chat_id;
  const phone = element("section", `phone ${chat.kind}`);
  phone.dataset.chatId = String(chatId);
  const header = element("header");
  header.append(element("div", "name"), element("div", "role"), element("div", "settings"));
  header.append(element("div", "typing"));
  const messages = element("div", "messages");
  followNewest(chatId, messages);
  const keyboard = element("div", "reply-keyboard");
  const composer = element("form", "composer");
  const input = element("input", "text");
  input.type = "text";
  input.autocomplete = "off";
  const send = element("button", "send");
  send.type = "submit";
  composer.append(input, send);
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    act(chatId, "send_text", { text });
  });
  const attach = element("div", "attach");
  const extras = [
    ["voice", "🎤", () => act(chatId, "send_voice", { duration: 4 })],
    ["photo", "📷", () => act(chatId, "send_photo", {})],
    ["sticker", "🙂", () => act(chatId, "send_sticker", { emoji: "👍" })],
  ];
  for (const [name, icon, handler] of extras) {
    const button = element("button", name);
    button.type = "button";
    button.dataset.icon = icon;
    button.addEventListener("click", handler);
    attach.appendChild(button);
  }
  const toastBox = element("div", "toast");
  toastBox.hidden = true;
  phone.append(header, messages, keyboard, composer, attach, toastBox);
  return phone;
}

function renderPhoneHeader(chat) {
  const phone = view.phones.get(chat.chat_id);
  if (!phone) return;
  const name = chat.kind === "group" ? chat.title : displayName(chat.user);
  phone.querySelector(".name").textContent = name;
  const role = [chat.role ? t(`role.${chat.role}`) : "", chat.note ? t(`note.${chat.note}`) : ""];
  phone.querySelector(".role").textContent = role.filter(Boolean).join(" · ");
  const settings = phone.querySelector(".settings");
  settings.replaceChildren();
  if (chat.kind === "private") {
    const label = element("label", "", `${t("chat_language")} `);
    const select = element("select", "language");
    for (const [code, languageName] of Object.entries(PHONE_LANGUAGES)) {
      select.appendChild(new Option(languageName, code));
    }
    const current = (chat.user.language_code || "").toLowerCase();
    if (current && !PHONE_LANGUAGES[current]) select.appendChild(new Option(current, current));
    select.value = current;
    select.addEventListener("change", async () => {
      try {
        await post("/ui/language", { user_id: chat.chat_id, language_code: select.value });
      } catch (error) {
        toast(chat.chat_id, `${t("error")}: ${error.message}`, true);
      }
    });
    label.appendChild(select);
    settings.appendChild(label);
  } else {
    const label = element("label", "", `${t("speaking_as")} `);
    const select = element("select", "speaker");
    for (const member of chat.members) select.appendChild(new Option(member.name, member.id));
    select.value = String(view.speakers.get(chat.chat_id) ?? "");
    select.addEventListener("change", () => {
      view.speakers.set(chat.chat_id, Number(select.value));
      renderMessages(chat.chat_id);
    });
    label.appendChild(select);
    settings.appendChild(label);
  }
  phone.querySelector(".composer input").placeholder = t("message_placeholder");
  phone.querySelector(".composer .send").textContent = t("send");
  for (const button of phone.querySelectorAll(".attach button")) {
    button.textContent = `${button.dataset.icon} ${t(button.className)}`;
  }
}

function displayName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function isMine(chatId, message) {
  if (message.from_bot) return false;
  const chat = findChat(chatId);
  if (!chat || chat.kind === "private") return true;
  return message.sender_id === view.speakers.get(chatId);
}

// A chat opens at its newest message and follows new ones, as Telegram does, unless the reader
// scrolled up to read something older: then it stays where they are until they scroll back
// down. The box also shrinks when a reply keyboard appears and grows when a picture loads, so
// size changes scroll it too.
function atBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < 24;
}

function showNewest(chatId, box) {
  if (view.following.get(chatId) === false) return;
  box.scrollTop = box.scrollHeight;
  box.dataset.lastTop = String(box.scrollTop);
}

// Only the reader scrolls up: the page only scrolls down, and a box that grows clamps its
// scroll to the bottom. A scroll event may come after the box shrank for a new keyboard (and
// before the resize is handled), so "not at the bottom" alone does not mean they scrolled.
function followNewest(chatId, box) {
  box.addEventListener(
    "scroll",
    () => {
      const last = Number(box.dataset.lastTop || 0);
      if (atBottom(box)) view.following.set(chatId, true);
      else if (box.scrollTop < last - 2) view.following.set(chatId, false);
      box.dataset.lastTop = String(box.scrollTop);
    },
    { passive: true },
  );
  if (window.ResizeObserver) new ResizeObserver(() => showNewest(chatId, box)).observe(box);
  box.addEventListener("load", () => showNewest(chatId, box), true); // pictures, as they load
}

function renderMessages(chatId) {
  const phone = view.phones.get(chatId);
  if (!phone) return;
  const box = phone.querySelector(".messages");
  const messages = [...(view.messages.get(chatId) || new Map()).values()].sort(
    (a, b) => a.message_id - b.message_id,
  );
  box.replaceChildren();
  if (!messages.length) box.appendChild(element("div", "empty", t("empty_chat")));
  const chat = findChat(chatId);
  for (const message of messages) {
    box.appendChild(renderMessage(chatId, chat, message));
  }
  showNewest(chatId, box);
}

function renderMessage(chatId, chat, message) {
  const bubble = element("div", `msg ${message.from_bot ? "bot" : "user"}`);
  if (isMine(chatId, message)) bubble.classList.add("me");
  bubble.dataset.messageId = String(message.message_id);
  if (chat && chat.kind === "group" && !isMine(chatId, message)) {
    bubble.appendChild(element("div", "sender", message.sender_name));
  }
  if (message.reply_to) bubble.appendChild(element("div", "quote", message.reply_to.text));
  if (message.media) bubble.appendChild(renderMedia(message.media));
  if (message.html) {
    const body = element("div", "body");
    body.appendChild(sanitize(message.html));
    bubble.appendChild(body);
  }
  const time = message.date ? new Date(message.date * 1000) : null;
  const meta = [
    message.unseen_by_bot ? t("unseen_by_bot") : "",
    message.edited ? t("edited") : "",
    time ? clockTime(time) : "",
  ];
  bubble.appendChild(element("div", "meta", meta.filter(Boolean).join(" · ")));
  if (message.inline_keyboard && message.inline_keyboard.length) {
    const keyboard = element("div", "inline-kb");
    for (const row of message.inline_keyboard) {
      const line = element("div", "row");
      for (const button of row) {
        const node = element("button", button.kind, button.text);
        node.type = "button";
        if (button.kind === "callback") {
          node.addEventListener("click", () =>
            act(chatId, "tap", { label: button.text, message_id: message.message_id }),
          );
        } else if (button.kind === "url") {
          node.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
        } else {
          node.disabled = true;
        }
        line.appendChild(node);
      }
      keyboard.appendChild(line);
    }
    bubble.appendChild(keyboard);
  }
  return bubble;
}

// A message's time on the clock of the community (the demo's zone), not the visitor's.
function clockTime(date) {
  const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (view.status.timezone) options.timeZone = view.status.timezone;
  try {
    return date.toLocaleTimeString("en-GB", options);
  } catch (error) {
    return date.toTimeString().slice(0, 5);
  }
}

function renderMedia(media) {
  const box = element("div", `media ${media.kind}`);
  switch (media.kind) {
    case "photo":
      box.textContent = `📷 ${t("photo")} ${media.width || "?"}×${media.height || "?"}`;
      break;
    case "document":
      box.textContent = `📄 ${media.file_name || t("document")}`;
      break;
    case "voice":
      box.textContent = `🎤 ${t("voice_message")} 0:${String(media.duration || 0).padStart(2, "0")}`;
      break;
    case "sticker":
      box.textContent = media.emoji || "🙂";
      break;
    case "contact":
      box.textContent = `👤 ${t("contact")}: ${media.first_name || ""} ${media.phone_number || ""}`;
      break;
    case "location":
      box.textContent = `📍 ${t("location")} ${media.latitude}, ${media.longitude}`;
      break;
    default:
      box.textContent = media.kind;
  }
  return box;
}

function renderKeyboard(chatId) {
  const phone = view.phones.get(chatId);
  if (!phone) return;
  const box = phone.querySelector(".reply-keyboard");
  box.replaceChildren();
  const keyboard = view.keyboards.get(chatId);
  const input = phone.querySelector(".composer input");
  input.placeholder = (keyboard && keyboard.placeholder) || t("message_placeholder");
  if (!keyboard) return;
  if (view.hiddenKeyboards.has(chatId)) {
    const show = element("button", "show-keyboard", `⌨ ${t("show_keyboard")}`);
    show.type = "button";
    show.addEventListener("click", () => {
      view.hiddenKeyboards.delete(chatId);
      renderKeyboard(chatId);
    });
    box.appendChild(show);
    return;
  }
  const chat = findChat(chatId);
  for (const row of keyboard.rows) {
    const line = element("div", "row");
    for (const button of row) {
      const node = element("button", "", button.text);
      node.type = "button";
      node.addEventListener("click", () => {
        if (keyboard.one_time) {
          view.hiddenKeyboards.add(chatId);
          renderKeyboard(chatId);
        }
        if (chat && chat.kind === "private") act(chatId, "tap_reply", { label: button.text });
        else act(chatId, "send_text", { text: button.text });
      });
      line.appendChild(node);
    }
    box.appendChild(line);
  }
}

// ---- little popups -------------------------------------------------------------------------

const toastTimers = new Map();

function toast(chatId, text, isError = false) {
  const phone = view.phones.get(chatId);
  if (!phone) {
    showAlert(text);
    return;
  }
  const box = phone.querySelector(".toast");
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(toastTimers.get(chatId));
  toastTimers.set(chatId, setTimeout(() => (box.hidden = true), isError ? 5000 : 2500));
}

function showAlert(text) {
  const alert = document.getElementById("alert");
  alert.querySelector(".alert-text").textContent = text;
  alert.hidden = false;
  alert.querySelector(".alert-ok").focus();
}

const typingTimers = new Map();

function showTyping(chatId, action) {
  const phone = view.phones.get(chatId);
  if (!phone) return;
  const line = phone.querySelector(".typing");
  line.textContent = action === "typing" ? t("typing") : `${action}…`;
  clearTimeout(typingTimers.get(chatId));
  typingTimers.set(chatId, setTimeout(() => (line.textContent = ""), 3000));
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  try {
    const response = await fetch("/ui/strings.json");
    strings = await response.json();
  } catch {
    strings = {};
  }
  pageLanguage = guessPageLanguage();
  document.querySelector("#alert .alert-ok").addEventListener("click", () => {
    document.getElementById("alert").hidden = true;
  });
  applyChromeStrings();
  connect();
}

start();
