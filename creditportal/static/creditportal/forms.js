/* Small page helpers for the admin and the portal (issue 25). A file, not inline script: the CSP forbids that.
 *
 * 1. A form that was sent shows that the work is under way and is not sent twice (a second click, Enter again):
 *    the button that sent it gets a "Working…" status beside it and aria-disabled; the page then navigates.
 *    The changelist's action form is left alone (its exports answer with a file and the page stays).
 * 2. The admin's entity autocomplete (select2) is named after its field's label: select2 names its combobox
 *    by the current selection only, which is empty on a new case (axe "aria-input-field-name").
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var busyText = (script && script.dataset.busyText) || "Working…";

  function lockOnSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.id === "changelist-form" || form.hasAttribute("data-no-busy")) return;
    if (form.dataset.sent === "yes") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "yes";
    form.setAttribute("aria-busy", "true");
    var button = event.submitter || form.querySelector("[type=submit]");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-busy");
      var status = document.createElement("span");
      status.className = "busy-status";
      status.setAttribute("role", "status");
      status.textContent = busyText;
      button.insertAdjacentElement("afterend", status);
    }
  }

  // Back to a page kept in the browser's cache: its forms may be sent again.
  function unlock(event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.removeAttribute("aria-busy");
      form.querySelectorAll(".is-busy").forEach(function (button) {
        button.classList.remove("is-busy");
        button.removeAttribute("aria-disabled");
      });
      form.querySelectorAll(".busy-status").forEach(function (status) { status.remove(); });
    });
  }

  function nameAutocompletes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var box = select.parentElement && select.parentElement.querySelector(".select2-selection");
      if (!label || !box) return;
      if (!label.id) label.id = select.id + "-label";
      var named = (box.getAttribute("aria-labelledby") || "").split(" ");
      if (named.indexOf(label.id) === -1) box.setAttribute("aria-labelledby", [label.id].concat(named).join(" ").trim());
    });
  }

  document.addEventListener("submit", lockOnSubmit);
  window.addEventListener("pageshow", unlock);
  // select2 is set up by the admin's autocomplete.js once the document is parsed; name it after that.
  window.addEventListener("load", nameAutocompletes);
  document.addEventListener("formset:added", nameAutocompletes);
})();
