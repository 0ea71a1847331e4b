// A form with data-confirm-dialog="<dialog id>" asks in that native <dialog> before it is sent; the
// dialog's confirm button marks the form `confirmed` and sends it. Without JavaScript (or <dialog>)
// the form goes as it is and the server answers a confirmation page instead.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm-dialog]").forEach((form) => {
    const dialog = document.getElementById(form.dataset.confirmDialog);
    if (!dialog || typeof dialog.showModal !== "function") return;
    const confirmed = form.querySelector("input[name=confirmed]");
    form.addEventListener("submit", (event) => {
      if (form.dataset.confirmed === "1" || (confirmed && confirmed.value === "1")) return;
      event.preventDefault();
      dialog.querySelectorAll("[data-confirm-value]").forEach((slot) => {
        const field = form.elements[slot.dataset.confirmValue];
        slot.textContent = field ? field.value : "";
      });
      dialog.showModal();
      const cancel = dialog.querySelector("button[value=cancel]");
      if (cancel) cancel.focus();
    });
    dialog.addEventListener("click", (event) => {
      const button = event.target.closest("button[value]");
      if (!button) return;
      dialog.close(button.value);
      if (button.value === "confirm") {
        form.dataset.confirmed = "1";
        if (confirmed) confirmed.value = "1";
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });
})();
