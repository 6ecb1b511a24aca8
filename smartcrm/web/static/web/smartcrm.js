/* SmartCRM's small glue: dialogs loaded by htmx, error toasts, typeahead keys, bulk bars. */
(function () {
  "use strict";

  function dialog() {
    var element = document.getElementById("dialog");
    return element ? bootstrap.Modal.getOrCreateInstance(element) : null;
  }

  // The first field of a dialog gets the focus once the dialog is shown, unless the person
  // (or a test) is already typing somewhere in it: never steal the focus mid-input.
  function focusFirstField(body) {
    var focus = function () {
      if (body.contains(document.activeElement)) { return; }
      var first = body.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    };
    var element = document.getElementById("dialog");
    if (element.classList.contains("show") && !opening) { focus(); }
    else { element.addEventListener("shown.bs.modal", focus, { once: true }); }
  }

  // The dialog's body is always filled, never replaced: a button inside a section that
  // swaps itself (outerHTML) must not pass that swap style on to the dialog it opens.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "dialog-body") {
      event.detail.swapOverride = "innerHTML";
    }
  });

  // A form loaded into the dialog opens it; a response that says so closes it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "dialog-body" && event.detail.xhr.status < 300 || event.detail.target.id === "dialog-body" && event.detail.xhr.status === 422) {
      var modal = dialog();
      if (modal) { modal.show(); }
      focusFirstField(event.detail.target);
    }
  });
  // Bootstrap ignores hide() while the dialog is still fading in: a quick answer would
  // leave it open. Close it once it is shown.
  var opening = false;
  document.body.addEventListener("closeDialog", function () {
    var modal = dialog();
    if (!modal) { return; }
    if (opening) {
      document.getElementById("dialog").addEventListener("shown.bs.modal", function () { modal.hide(); }, { once: true });
    } else {
      modal.hide();
    }
  });
  var dialogElement = document.getElementById("dialog");
  if (dialogElement) {
    dialogElement.addEventListener("show.bs.modal", function () { opening = true; });
    dialogElement.addEventListener("shown.bs.modal", function () { opening = false; });
    dialogElement.addEventListener("hidden.bs.modal", function () {
      document.getElementById("dialog-body").innerHTML = "";
    });
  }

  // Errors the server answered (409 stale, 403, 404, 500) show as a message, never silently.
  function showError(text) {
    var area = document.getElementById("errors");
    if (!area) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger alert-dismissible fade show py-2";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "×");
    alert.appendChild(close);
    area.appendChild(alert);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var body = document.body.dataset;
    var text = xhr.getResponseHeader("X-Error-Message");
    if (text) { text = decodeURIComponent(text); }
    else if (xhr.status === 409) { text = body.staleText; }
    else { text = body.errorText; }
    showError(text);
  });
  document.addEventListener("htmx:sendError", function () { showError(document.body.dataset.errorText); });
  document.body.addEventListener("showMessage", function (event) {
    if (event.detail && event.detail.value) { showError(event.detail.value); }
  });

  // The search box answers as one types (htmx): pressing Enter never leaves the page.
  document.querySelectorAll("form[data-no-submit]").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });

  // Progress bars take their width from data-progress (a percentage): the page's policy
  // refuses style="..." attributes, not a width set from a script. htmx.onLoad runs for the
  // page and for every fragment htmx swaps in (an import's status, polled).
  htmx.onLoad(function (root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-progress]"));
    if (root.matches && root.matches("[data-progress]")) { bars.push(root); }
    bars.forEach(function (bar) { bar.style.width = bar.getAttribute("data-progress") + "%"; });
  });

  // Typeahead: arrow keys move through the hits, Escape closes them.
  var search = document.getElementById("global-search");
  var results = document.getElementById("search-results");
  if (search && results) {
    search.addEventListener("keydown", function (event) {
      var links = results.querySelectorAll("a");
      if (event.key === "ArrowDown" && links.length) { event.preventDefault(); links[0].focus(); }
      if (event.key === "Escape") { results.innerHTML = ""; }
      if (event.key === "Enter" && links.length) { event.preventDefault(); window.location = links[0].href; }
    });
    results.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(results.querySelectorAll("a"));
      var index = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < links.length - 1) { event.preventDefault(); links[index + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? links[index - 1] : search).focus(); }
      if (event.key === "Escape") { results.innerHTML = ""; search.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!results.contains(event.target) && event.target !== search) { results.innerHTML = ""; }
    });
  }

  // Lists: "select all", and the bulk bar shows how many rows are selected.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      var form = document.getElementById(target.getAttribute("data-select-all"));
      document.querySelectorAll('input[name="ids"][form="' + form.id + '"]').forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches('input[name="ids"], [data-select-all]')) {
      document.querySelectorAll("[data-bulk-count]").forEach(function (counter) {
        var formId = counter.getAttribute("data-bulk-count");
        var checked = document.querySelectorAll('input[name="ids"][form="' + formId + '"]:checked').length;
        counter.textContent = checked;
        var bar = counter.closest(".bulk-bar");
        if (bar) { bar.classList.toggle("d-none", checked === 0); }
      });
    }
  });
})();
