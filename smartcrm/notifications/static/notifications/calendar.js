/* The calendar feed page: a click selects the whole address; "Copy" puts it on the clipboard. */
(function () {
  "use strict";

  document.querySelectorAll("[data-select-on-click]").forEach(function (field) {
    field.addEventListener("click", function () { field.select(); });
  });
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy-from"));
      if (field && navigator.clipboard) { navigator.clipboard.writeText(field.value); }
    });
  });
})();
