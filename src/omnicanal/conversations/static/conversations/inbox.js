// The inbox refreshes itself from the console WebSocket: the list on every event, the open thread
// when the event is about it. Without a socket it still refreshes every minute (hx-trigger).
(function () {
  "use strict";
  const root = document.getElementById("workspace");
  if (!root || !window.WebSocket) return;
  const dot = document.getElementById("live-dot");
  let retry = 1000;
  let socket = null;

  function currentConversation() {
    const body = document.getElementById("thread-body");
    return body ? body.dataset.conversation : "";
  }

  function refreshList() {
    const list = document.getElementById("inbox-list");
    if (list && window.htmx) htmx.trigger(list, "refresh");
  }

  function refreshThread(id) {
    const url = `/console/conversations/${id}/thread/`;
    const composer = document.getElementById("composer-text");
    if (composer && composer.value) {
      // Keep what the agent is typing: only the messages are replaced.
      fetch(url, {credentials: "same-origin"}).then((r) => r.text()).then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("messages");
        const list = document.getElementById("messages");
        if (fresh && list) { list.replaceWith(fresh); fresh.scrollTop = fresh.scrollHeight; }
      });
    } else if (window.htmx) {
      htmx.ajax("GET", url, {target: "#thread", swap: "innerHTML"});
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}`);
    socket.onopen = () => { retry = 1000; if (dot) dot.classList.add("on"); root.dataset.live = "1"; };
    socket.onclose = () => {
      if (dot) dot.classList.remove("on");
      root.dataset.live = "0";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type !== "event") return;
      refreshList();
      const id = currentConversation();
      if (id && event.conversation_id === id) refreshThread(id);
    };
  }

  setInterval(() => { if (socket && socket.readyState === 1) socket.send(JSON.stringify({type: "ping"})); }, 60000);
  function scrollDown() {
    const list = document.getElementById("messages");
    if (list) list.scrollTop = list.scrollHeight;
  }
  document.body.addEventListener("htmx:afterSwap", scrollDown);
  scrollDown();
  connect();
})();
