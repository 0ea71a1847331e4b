// The browse pages' small enhancements (CSP: no inline script; every page works without this file).
// 1. [data-dialog-open]: a link to the categories page opens the native <dialog> menu instead; Escape
//    and the Close button close it (native), and focus goes back to the link that opened it.
// 2. [data-geolocate]: asks the browser for the shopper's location and reloads with ?lat=&lon=.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (!opener) return;
    var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (!dialog || typeof dialog.showModal !== "function") return; // no <dialog>: follow the link
    event.preventDefault();
    dialog.addEventListener("close", function () { opener.focus(); }, { once: true });
    dialog.showModal();
  });

  document.querySelectorAll("[data-geolocate]").forEach(function (button) {
    if (!("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(4));
        url.searchParams.set("lon", position.coords.longitude.toFixed(4));
        window.location.assign(url.toString());
      }, function () {
        button.disabled = true;
        button.textContent = button.getAttribute("data-denied");
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });
})();
