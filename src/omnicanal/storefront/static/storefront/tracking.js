// The tracking page follows its order without a reload (CSP: no inline script). Every minute, while
// the tab is visible, it fetches itself and swaps the order's article in; the status line is a polite
// live region, so a screen reader hears "Ready for pickup" when it changes. Without JavaScript the
// "Update now" link does the same by hand (a <meta refresh> would take control away from the reader).
(function () {
  "use strict";
  var article = document.querySelector("[data-track-refresh]");
  if (!article) return;
  var seconds = parseInt(article.getAttribute("data-track-refresh"), 10) || 60;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".track");
    if (!fresh) return;
    article.replaceWith(fresh);
    article = fresh;
    if (!fresh.hasAttribute("data-track-refresh")) window.clearInterval(timer); // the order is done
  }

  var timer = window.setInterval(function () {
    if (document.visibilityState !== "visible") return;
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (html) swap(html); })
      .catch(function () {});  // offline for a moment: the next tick tries again
  }, seconds * 1000);
})();
