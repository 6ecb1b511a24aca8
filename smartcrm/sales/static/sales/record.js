/* Prospect and account pages: small conveniences of the conversion dialog. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    // Choosing an account to merge into means "an existing account".
    if (target.id === "id_account_id" && target.value) {
      var existing = document.querySelector('input[name="target"][value="existing"]');
      if (existing) { existing.checked = true; }
    }
  });
  document.addEventListener("input", function (event) {
    // Typing a title for the first offer means "also create it".
    if (event.target.id === "id_offer_title" && event.target.value) {
      var create = document.getElementById("id_create_offer");
      if (create) { create.checked = true; }
    }
  });
  // After the picker's options arrive, choose the first match when nothing was chosen.
  document.addEventListener("htmx:afterSwap", function (event) {
    var select = event.detail.target;
    var search = document.getElementById("account-search");
    if (select && select.id === "id_account_id" && !select.value && search && search.value) {
      var first = select.querySelector("option[value]:not([value=''])");
      if (first) {
        select.value = first.value;
        var existing = document.querySelector('input[name="target"][value="existing"]');
        if (existing) { existing.checked = true; }
      }
    }
  });
})();
