/* omnicanal web chat widget: one script tag.
 *   <script src="https://<omnicanal>/static/channels/webchat.js" data-inbox="inb_…" async></script>
 * Optional: data-base (omnicanal's URL when the shop is elsewhere), data-lang (es|en), and for a
 * signed-in shopper data-email + data-user-hash (hex HMAC-SHA256 of the email with the inbox's
 * identity secret, computed by the shop's server), or data-phone (E.164) + data-user-hash of the
 * phone for a shopper known by phone only. WebSocket first, HTTP polling as fallback.
 * Every text shown comes translated from the server (the session answer's `texts`).
 * The visitor token expires and rotates (docs/channels.md): tabs share the newest one through
 * localStorage, and a request refused with 401/403 resumes the session.
 */
(function () {
  "use strict";
  const script = document.currentScript || document.querySelector("script[data-inbox]");
  if (!script || !script.dataset.inbox) return;
  const inbox = script.dataset.inbox;
  const base = (script.dataset.base || new URL(script.src, location.href).origin).replace(/\/$/, "");
  const lang = script.dataset.lang || (document.documentElement.lang || navigator.language || "es").slice(0, 2);
  const storeKey = `omnicanal.webchat.${inbox}`;
  const seen = new Set();
  let token = localStorage.getItem(storeKey) || "";
  let texts = {};
  let socket = null;
  let lastId = "";
  let pollTimer = null;

  const css = `
  .ocw-button{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;background:#0f6e5c;color:#fff;
    padding:.8rem 1.2rem;font:600 15px system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.2);cursor:pointer}
  .ocw-panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:460px;
    background:#fff;border-radius:14px;box-shadow:0 10px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;
    font:14px/1.4 system-ui,sans-serif;color:#1d2433;overflow:hidden}
  .ocw-panel[hidden]{display:none}
  .ocw-head{background:#0f6e5c;color:#fff;padding:.7rem 1rem;font-weight:700;display:flex;justify-content:space-between}
  .ocw-head button{background:none;border:0;color:#fff;font-size:18px;cursor:pointer}
  .ocw-list{flex:1;overflow-y:auto;padding:.7rem;display:flex;flex-direction:column;gap:.45rem;background:#f6f7f9}
  .ocw-msg{max-width:80%;padding:.45rem .7rem;border-radius:12px;background:#fff;border:1px solid #e4e7ec;align-self:flex-start;white-space:pre-wrap;word-wrap:break-word}
  .ocw-msg.in{align-self:flex-end;background:#d1fadf;border-color:#a6f4c5}
  .ocw-msg.pending{opacity:.6}
  .ocw-note{font-size:12px;color:#667085;text-align:center}
  .ocw-form{display:flex;gap:.4rem;padding:.5rem;border-top:1px solid #e4e7ec}
  .ocw-form input[type=text],.ocw-form input[type=email]{flex:1;border:1px solid #d0d5dd;border-radius:8px;padding:.45rem .6rem;font:inherit}
  .ocw-form button{border:0;border-radius:8px;background:#0f6e5c;color:#fff;padding:.45rem .8rem;font:inherit;cursor:pointer}
  .ocw-file{display:none}
  .ocw-attach{background:#eef2f6!important;color:#1d2433!important;font-weight:700}
  .ocw-offline{padding:.5rem;border-top:1px solid #e4e7ec;background:#fffaeb}
  .ocw-offline[hidden]{display:none}`;

  const style = document.createElement("style");
  if (script.nonce) style.nonce = script.nonce;  // a page with a Content-Security-Policy gives its tag the nonce
  style.textContent = css;
  document.head.appendChild(style);
  // Hidden until it has its words (start() below): an empty button has no accessible name.
  const button = el("button", "ocw-button", {type: "button", "data-testid": "webchat-open", hidden: ""});
  const panel = el("div", "ocw-panel", {hidden: "", role: "dialog", "data-testid": "webchat"});
  const head = el("div", "ocw-head");
  const title = el("span");
  const close = el("button", "", {type: "button", "aria-label": "×"});
  close.textContent = "×";
  head.append(title, close);
  const list = el("div", "ocw-list", {"aria-live": "polite", "data-testid": "webchat-messages"});
  const offline = el("form", "ocw-offline ocw-form", {hidden: ""});
  const offlineText = el("div", "ocw-note");
  const emailInput = el("input", "", {type: "email", required: "", name: "email"});
  const emailButton = el("button", "", {type: "submit"});
  const offlineWrap = el("div");
  offlineWrap.style.cssText = "display:flex;gap:.4rem;width:100%";
  offlineWrap.append(emailInput, emailButton);
  offline.style.flexDirection = "column";
  offline.append(offlineText, offlineWrap);
  const form = el("form", "ocw-form");
  const input = el("input", "", {type: "text", name: "text", autocomplete: "off", "data-testid": "webchat-input", maxlength: "4000"});
  const file = el("input", "ocw-file", {type: "file"});
  const attach = el("button", "ocw-attach", {type: "button"});
  attach.textContent = "+";
  const send = el("button", "", {type: "submit", "data-testid": "webchat-send"});
  form.append(attach, file, input, send);
  panel.append(head, list, offline, form);
  document.body.append(button, panel);

  function el(tag, cls, attrs) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  function applyTexts() {
    button.textContent = texts.open || "Chat";
    title.textContent = texts.title || "";
    // Named for screen readers: the dialog by its title, the fields by their hints (no visible labels).
    panel.setAttribute("aria-label", texts.title || texts.open || "Chat");
    input.setAttribute("aria-label", texts.placeholder || "");
    emailInput.setAttribute("aria-label", texts.email_placeholder || "");
    close.setAttribute("aria-label", texts.close || "Close");
    input.placeholder = texts.placeholder || "";
    send.textContent = texts.send || "➤";
    attach.title = texts.attach || "";
    attach.setAttribute("aria-label", texts.attach || "");
    emailInput.placeholder = texts.email_placeholder || "";
    emailButton.textContent = texts.email_send || "OK";
    offlineText.textContent = texts.offline || "";
  }

  function render(message) {
    if (!message || seen.has(message.id)) return;
    seen.add(message.id);
    lastId = message.id;
    const bubble = el("div", `ocw-msg ${message.direction === "in" ? "in" : "out"}`, {"data-id": message.id});
    bubble.textContent = [message.text, ...(message.attachments || []).map((a) => "[" + a + "]")].filter(Boolean).join("\n");
    list.appendChild(bubble);
    list.scrollTop = list.scrollHeight;
  }

  function note(text) {
    const line = el("div", "ocw-note");
    line.textContent = text;
    list.appendChild(line);
    list.scrollTop = list.scrollHeight;
  }

  function latest() {
    return localStorage.getItem(storeKey) || token;
  }

  async function api(path, body, method) {
    const options = {method: method || "POST", headers: {}};
    if (path !== "session") {
      if (body instanceof FormData) body.set("token", latest());
      else body.token = latest();
    }
    let url = `${base}/webchat/${inbox}/${path}`;
    if (body instanceof FormData) options.body = body;
    else if (method === "GET") url += "?" + new URLSearchParams(body).toString();
    else { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    const response = await fetch(url, options);
    if (!response.ok) {
      const error = new Error(String(response.status));
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  async function resume() {
    const state = await api("session", {token: latest(), lang, email: script.dataset.email || "", phone: script.dataset.phone || "", user_hash: script.dataset.userHash || ""});
    token = state.token;
    localStorage.setItem(storeKey, token);
    return state;
  }

  function refused(error) {
    if (error && (error.status === 401 || error.status === 403)) resume().catch(() => {});
  }

  async function start() {
    const state = await resume();
    texts = state.texts || {};
    applyTexts();
    button.hidden = false;
    if (!state.messages.length) note(texts.greeting || "");
    state.messages.forEach(render);
    showOffline(state);
    connect(state.ws_path);
  }

  function showOffline(state) {
    offline.hidden = !!state.agents_online || !!state.reply_by_email;
  }

  function connect(wsPath) {
    const url = new URL(base);
    const scheme = url.protocol === "https:" ? "wss" : "ws";
    try {
      socket = new WebSocket(`${scheme}://${url.host}${wsPath}?token=${encodeURIComponent(token)}`);
    } catch (e) { return poll(); }
    socket.onopen = () => { panel.dataset.transport = "websocket"; clearInterval(pollTimer); pollTimer = null; };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "message") render(data.message);
      if (data.type === "ack") { settle(data.client_id, data.message); }
    };
    socket.onclose = () => { socket = null; poll(); };
  }

  function poll() {
    panel.dataset.transport = "polling";
    if (pollTimer) return;
    pollTimer = setInterval(async () => {
      try {
        const state = await api("messages", {token, after: lastId}, "GET");
        state.messages.forEach(render);
        showOffline(state);
      } catch (e) { refused(e); /* and try again on the next tick */ }
    }, 3000);
  }

  function settle(clientId, message) {
    const pending = list.querySelector(`[data-client="${clientId}"]`);
    if (pending) pending.remove();
    render(message);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    const clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
    const pending = el("div", "ocw-msg in pending", {"data-client": clientId});
    pending.textContent = text;
    list.appendChild(pending);
    list.scrollTop = list.scrollHeight;
    if (socket && socket.readyState === 1) {
      socket.send(JSON.stringify({type: "message", text, client_id: clientId}));
      return;
    }
    try {
      const answer = await api("messages", {token, text, client_id: clientId});
      settle(clientId, answer.message);
    } catch (e) { pending.remove(); note(texts.error || "!"); refused(e); }
  });

  attach.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const data = new FormData();
    data.append("token", token);
    data.append("file", file.files[0]);
    data.append("client_id", Math.random().toString(36).slice(2));
    try {
      const response = await fetch(`${base}/webchat/${inbox}/upload`, {method: "POST", body: data});
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) note(answer.detail || texts.error || "!");  // a refused file says why (type, size)
      else render(answer.message);
    } catch (e) { note(texts.error || "!"); }
    file.value = "";
  });

  offline.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("email", {token, email: emailInput.value});
      offline.hidden = true;
      note(texts.email_thanks || "");
    } catch (e) { note(texts.error || "!"); }
  });

  button.addEventListener("click", () => { panel.hidden = !panel.hidden; if (!panel.hidden) input.focus(); });
  close.addEventListener("click", () => { panel.hidden = true; });
  start().catch(() => { button.hidden = true; });
})();
