/* Small behaviours of the console's pages, wired by data- attributes (the Content-Security-Policy
   allows no inline handlers). Listeners sit on the document, so content swapped in by htmx works too.
   - <select data-autosubmit>            submits its form when changed (="request": requestSubmit, so htmx sees it)
   - <select data-insert-into="ID">      appends the chosen value to the textarea #ID, then resets
   - <select data-show-fieldsets=".cfg"> shows only the fieldsets of that class that also have cfg-<value>
   - <button data-print>                 prints the page
   - <form data-confirm="question" data-confirm-yes="…" data-confirm-no="…">  asks in a native <dialog>
     before submitting; without JS the form's required "I confirm" checkbox ([data-confirm-check])
     asks instead, so the JS hides that checkbox and ticks it when the dialog is answered yes.
   - <span class="field-error" data-field="NAME"> inside a flash message (core.console.show_problem)
     moves beside the page's box named NAME (aria-invalid, aria-describedby, the first one focused),
     so each error is said once, by its field; with no such box (or no JS) it stays in the message. */
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
    let answered = false;
    function finish(answer) {
      // At once, not on the "close" event (a task later): whoever looks right after the answer
      // (Escape, "Keep the order", a second click on the button) finds no dialog left behind.
      if (answered) return;
      answered = true;
      if (dialog.open) dialog.close(answer);
      dialog.remove();
      if (answer !== "yes" && submitter) submitter.focus();
    }
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); finish("no"); });
    dialog.addEventListener("close", function () { finish(dialog.returnValue === "yes" ? "yes" : "no"); });
    no.addEventListener("click", function () { finish("no"); });
    yes.addEventListener("click", function () {
      const box = form.querySelector("[data-confirm-check] input[type=checkbox]");
      if (box) box.checked = true;
      form.dataset.confirmed = "1";
      finish("yes");
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

  let fieldErrorCount = 0;
  function boxNamed(name, formPath) {
    // Of the page's forms, the one that was sent (posted to formPath), when it is here; else any.
    const forms = Array.from(document.querySelectorAll("main form")).filter(function (form) {
      return !form.closest("[hidden], .messages");
    });
    const sent = forms.filter(function (form) {
      // getAttribute: a form with a box named "action" hides the form.action property behind it
      return formPath && new URL(form.getAttribute("action") || "", document.baseURI).pathname === formPath;
    });
    const selector = "[name=\"" + CSS.escape(name) + "\"]:not([type=hidden]):not([disabled])";
    for (const form of (sent.length ? sent : forms)) {
      const box = form.querySelector(selector);
      if (box && !box.closest("[hidden]")) return box;
    }
    return null;
  }
  function tidyMessage(rest) {
    // What stays in the message reads "Title: A — B" again, with nothing dangling.
    const kept = Array.from(rest.children).filter(function (el) { return !el.classList.contains("problem-sep"); });
    rest.textContent = "";
    if (!kept.length) return;
    rest.append(": ");
    kept.forEach(function (el, i) {
      if (i) {
        const sep = document.createElement("span");
        sep.className = "problem-sep";
        sep.textContent = " — ";
        rest.append(sep);
      }
      rest.append(el);
    });
  }
  function placeFieldErrors(root) {
    let first = null;
    root.querySelectorAll(".messages .field-error[data-field]").forEach(function (error) {
      const box = boxNamed(error.dataset.field, error.dataset.form);
      if (!box) return;
      const rest = error.closest(".problem-rest");
      error.id = error.id || "field-error-" + (++fieldErrorCount);
      error.setAttribute("data-testid", "field-error");
      const group = box.type === "radio" || box.type === "checkbox" ? box.closest("fieldset") : null;
      const after = group || box.closest("label") || box;
      after.insertAdjacentElement("afterend", error);
      box.setAttribute("aria-invalid", "true");
      const described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(error.id) < 0) described.push(error.id);
      box.setAttribute("aria-describedby", described.join(" "));
      box.addEventListener("input", function () { box.removeAttribute("aria-invalid"); }, { once: true });
      if (rest) tidyMessage(rest);
      if (!first) first = box;
    });
    if (first) first.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { placeFieldErrors(document); });
  } else {
    placeFieldErrors(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { placeFieldErrors(event.target); });
})();
