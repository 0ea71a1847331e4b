/* The till on the device: places the sale through POST /api/v1/orders with an Idempotency-Key kept in
   IndexedDB, so a sale keyed while the network is down waits on this device and is placed exactly
   once when it returns (the API replays the first answer to a retried key: core/middleware.py).
   The tenders follow orders/till.py (keep the two in step). Without IndexedDB the form posts as
   usual (op=sell). */
(function () {
  "use strict";
  const DB = "omnicanal-pos", STORE = "sales";
  const TENDER_ORDER = ["points", "stored_value", "gift_card", "card"];
  let root, flushing = false, timer = null;

  function openDb() {
    return new Promise(function (resolve, reject) {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "key"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        const t = db.transaction(STORE, mode);
        const out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  const queued = function () { return tx("readonly", function (s) { return s.getAll(); }); };
  const keep = function (sale) { return tx("readwrite", function (s) { s.put(sale); }); };
  const drop = function (key) { return tx("readwrite", function (s) { s.delete(key); }); };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return "pos-" + crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "pos-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  /* An amount as a clerk types it in Chile (till.typed_amount): "20.000" is 20000, "19,90" has decimals. */
  function typedAmount(raw) {
    raw = (raw || "").trim().replace(/\s/g, "").replace(/^\$/, "");
    if (!raw) return null;
    if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(raw)) raw = raw.replace(/\./g, "");
    raw = raw.replace(",", ".");
    return /^\d+(\.\d+)?$/.test(raw) ? raw : NaN;
  }

  function field(form, name) { const el = form.elements[name]; return el ? el.value : ""; }

  function orderBody(form) {
    const currency = root.dataset.currency;
    const money = function (amount) { return {amount: String(amount), currency: currency}; };
    const code = field(form, "gift_card_code").trim(), pin = field(form, "pin").trim();
    const payments = [];
    TENDER_ORDER.forEach(function (method) {
      const amount = typedAmount(field(form, "pay_" + method));
      if (amount === null) return;
      const p = {method: method, amount: money(amount)};
      if (method === "gift_card") { p.gift_card_code = code; p.pin = pin; }
      payments.push(p);
    });
    const rest = field(form, "payment") || "cash";
    const received = rest === "cash" ? typedAmount(field(form, "cash_received")) : null;
    if (rest === "cash" && received !== null) {
      payments.push({method: "cash", amount: money(received), up_to: true});
    } else if (!payments.some(function (p) { return p.method === rest; })) {
      const p = {method: rest};
      if (rest === "gift_card") { p.gift_card_code = code; p.pin = pin; }
      payments.push(p);
    }
    const method = field(form, "method") || "carry_out";
    const delivery = method === "ship"
      ? {method: "ship", address: {line1: field(form, "line1"), city: field(form, "city"), country: "CL"}}
      : {method: method, location: field(form, "pickup_location") || root.dataset.location};
    const body = {channel: "pos", lines: JSON.parse(document.getElementById("pos-sale").textContent),
                  delivery: delivery, payments: payments};
    if (root.dataset.customer) body.customer_id = root.dataset.customer;
    if (root.dataset.qr) body.presence = {qr: root.dataset.qr};
    if (field(form, "coupon").trim()) body.coupon = field(form, "coupon").trim();
    if (field(form, "receipt_email").trim()) body.contact = {receipt_email: field(form, "receipt_email").trim()};
    return {body: body, received: received};
  }

  function show(selector, text) {
    const el = root.querySelector(selector);
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function showQueue() {
    const sales = await queued();
    show("[data-pos-queue]", sales.length ? root.dataset.msgQueuedN + " " + sales.length + ". " + root.dataset.msgQueued : "");
    const sell = root.querySelector("[data-testid=pos-sell]");
    if (sell) sell.disabled = sales.length > 0; // one sale at a time: never key it twice while it waits
    if (sales.length && !timer) timer = setInterval(flush, 4000);
    if (!sales.length && timer) { clearInterval(timer); timer = null; }
    return sales;
  }

  /* The first waiting sale, oldest first; once placed, the page takes its lines out of the session's
     sale and shows the receipt (the others follow from that page). */
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      const sales = (await queued()).sort(function (a, b) { return a.at - b.at; });
      if (!sales.length) return;
      const sale = sales[0];
      let response;
      try {
        response = await fetch(sale.api, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "Accept": "application/json",
                    "Idempotency-Key": sale.key, "X-CSRFToken": root.dataset.csrf},
          body: JSON.stringify(sale.body)});
      } catch (e) {
        return; // still offline: it waits
      }
      if (response.status === 409 || response.status === 429 || response.status >= 500) return; // retried later
      if (response.status === 401 || response.status === 403) { show("[data-pos-error]", root.dataset.msgSignin); return; }
      const data = await response.json().catch(function () { return {}; });
      await drop(sale.key);
      if (response.ok) {
        const form = root.querySelector("[data-pos-sold]");
        form.elements.order_id.value = data.id;
        form.elements.cash_received.value = sale.received || "";
        form.submit();
        return;
      }
      const errors = (data.errors || []).map(function (e) { return e.field + ": " + e.message; }).join(" · ");
      show("[data-pos-error]", root.dataset.msgRefused + " " + (data.detail || data.title || response.status) + (errors ? " — " + errors : ""));
    } finally {
      flushing = false;
      showQueue();
    }
  }

  function liveChange(form) {
    const out = root.querySelector("[data-pos-change]");
    if (!out) return;
    let others = 0;
    TENDER_ORDER.forEach(function (m) { const a = Number(typedAmount(field(form, "pay_" + m)) || 0); others += a || 0; });
    const received = Number(typedAmount(field(form, "cash_received")) || 0);
    const left = Number(root.dataset.total || 0) - others;
    out.textContent = received && field(form, "payment") === "cash" && received > left ? (received - left).toLocaleString(document.documentElement.lang) : "—";
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.querySelector("[data-pos]");
    if (!root || !window.indexedDB || !window.fetch) return;
    const form = root.querySelector("[data-pos-sell]");
    if (form) {
      form.addEventListener("input", function () { liveChange(form); });
      form.addEventListener("submit", async function (event) {
        event.preventDefault();
        const made = orderBody(form);
        await keep({key: newKey(), at: Date.now(), api: root.dataset.api, body: made.body, received: made.received});
        show("[data-pos-error]", "");
        await showQueue();
        flush();
      });
    }
    if ("serviceWorker" in navigator && root.dataset.sw) {
      // the till then opens without a network (pos_sw.js); it works without it too
      navigator.serviceWorker.register(root.dataset.sw, {scope: root.dataset.swScope}).catch(function () {});
    }
    window.addEventListener("online", flush);
    showQueue().then(function (sales) { if (sales.length) flush(); });
  });
})();
