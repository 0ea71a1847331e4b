/* The shop as an app (storefront/pwa.py): registers the service worker and offers an "Install"
   button when the browser fires beforeinstallprompt. No inline code: the label and the worker's
   URL come from this script tag's data- attributes. */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  if ("serviceWorker" in navigator && data.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(data.sw, { scope: "/" }).catch(function () { /* the shop works without it */ });
    });
  }
  var offer = null;
  var button = null;
  function hide() {
    if (button) { button.remove(); button = null; }
    offer = null;
  }
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    offer = event;
    if (button) return;
    button = document.createElement("button");
    button.type = "button";
    button.className = "secondary pwa-install";
    button.textContent = data.installLabel || "Install";
    button.addEventListener("click", function () {
      if (!offer) return;
      offer.prompt();
      offer.userChoice.then(hide, hide);
    });
    var place = document.querySelector(".shop-actions") || document.querySelector(".shop-footer") || document.body;
    place.appendChild(button);
  });
  window.addEventListener("appinstalled", hide);
})();
