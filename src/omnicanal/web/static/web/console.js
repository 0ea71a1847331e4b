/* Small behaviours of the console's pages, wired by data- attributes (the Content-Security-Policy
   allows no inline handlers). Listeners sit on the document, so content swapped in by htmx works too.
   - <select data-autosubmit>            submits its form when changed (="request": requestSubmit, so htmx sees it)
   - <select data-insert-into="ID">      appends the chosen value to the textarea #ID, then resets
   - <select data-show-fieldsets=".cfg"> shows only the fieldsets of that class that also have cfg-<value>
   - <button data-print>                 prints the page
   - <form data-confirm="question" data-confirm-yes="…" data-confirm-no="…">  asks in a native <dialog>
     before submitting; without JS the form's required "I confirm" checkbox ([data-confirm-check])
     asks instead, so the JS hides that checkbox and ticks it when the dialog is answered yes. */
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

  function enhanceConfirms(root) {
    root.querySelectorAll("form[data-confirm] [data-confirm-check]").forEach(function (label) {
      const box = label.querySelector("input[type=checkbox]");
      if (box) box.required = false;
      label.hidden = true;
    });
  }
  function ask(form, submitter) {
    const dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    const text = document.createElement("p");
    text.id = "confirm-question";
    text.textContent = form.dataset.confirm;
    const actions = document.createElement("div");
    actions.className = "actions";
    const no = document.createElement("button");
    no.type = "button";
    no.textContent = form.dataset.confirmNo || "Cancel";
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "danger";
    yes.textContent = form.dataset.confirmYes || "OK";
    yes.setAttribute("data-testid", "confirm-yes");
    actions.append(no, yes);
    dialog.append(text, actions);
    document.body.append(dialog);
    dialog.addEventListener("close", function () {
      dialog.remove();
      if (dialog.returnValue !== "yes" && submitter) submitter.focus();
    });
    no.addEventListener("click", function () { dialog.close("no"); });
    yes.addEventListener("click", function () {
      const box = form.querySelector("[data-confirm-check] input[type=checkbox]");
      if (box) box.checked = true;
      form.dataset.confirmed = "1";
      dialog.close("yes");
      form.requestSubmit(submitter || undefined);
    });
    dialog.showModal();
    no.focus();  // the safe answer first: Enter never destroys by accident
  }
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
    event.preventDefault();
    ask(form, event.submitter);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceConfirms(document); });
  } else {
    enhanceConfirms(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { enhanceConfirms(event.target); });
})();
