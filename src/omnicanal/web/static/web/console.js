/* Small behaviours of the console's pages, wired by data- attributes (the Content-Security-Policy
   allows no inline handlers). Listeners sit on the document, so content swapped in by htmx works too.
   - <select data-autosubmit>            submits its form when changed (="request": requestSubmit, so htmx sees it)
   - <select data-insert-into="ID">      appends the chosen value to the textarea #ID, then resets
   - <select data-show-fieldsets=".cfg"> shows only the fieldsets of that class that also have cfg-<value>
   - <button data-print>                 prints the page */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (!(el instanceof HTMLSelectElement)) return;
    if (el.hasAttribute("data-autosubmit") && el.form) {
      if (el.dataset.autosubmit === "request") el.form.requestSubmit();
      else el.form.submit();
    }
    if (el.dataset.insertInto && el.value) {
      const target = document.getElementById(el.dataset.insertInto);
      if (target) {
        target.value = (target.value ? target.value + "\n" : "") + el.value;
        el.selectedIndex = 0;
        target.focus();
      }
    }
    if (el.dataset.showFieldsets) {
      const prefix = el.dataset.showFieldsets.replace(/^\./, "");
      document.querySelectorAll(el.dataset.showFieldsets).forEach(function (fieldset) {
        fieldset.hidden = !fieldset.classList.contains(prefix + "-" + el.value);
      });
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) window.print();
  });
})();
