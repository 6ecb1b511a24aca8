/* The offer editor: keyboard use of the catalogue picker (Enter adds the first product
   found, arrows move through the hits, Escape closes them). */
(function () {
  "use strict";

  var search = document.getElementById("product-search");
  var hits = document.getElementById("product-hits");
  if (!search || !hits) { return; }

  function buttons() {
    return Array.prototype.slice.call(document.querySelectorAll("#product-hits button[name=product_id]"));
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    search.setAttribute("aria-expanded", buttons().length ? "true" : "false");
  });

  search.addEventListener("keydown", function (event) {
    var found = buttons();
    if (event.key === "Enter") {
      event.preventDefault();
      if (found.length) { found[0].click(); }
    } else if (event.key === "ArrowDown" && found.length) {
      event.preventDefault();
      found[0].focus();
    } else if (event.key === "Escape") {
      document.getElementById("product-hits").innerHTML = "";
    }
  });

  document.addEventListener("keydown", function (event) {
    var found = buttons();
    var index = found.indexOf(document.activeElement);
    if (index < 0) { return; }
    if (event.key === "ArrowDown" && index < found.length - 1) { event.preventDefault(); found[index + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? found[index - 1] : search).focus(); }
    if (event.key === "Escape") { document.getElementById("product-hits").innerHTML = ""; search.focus(); }
  });

  // After a product is added, the search starts afresh.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "product-picker" && event.detail.successful) {
      search.value = "";
      search.focus();
    }
  });
})();
