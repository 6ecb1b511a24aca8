/* The pipeline kanban: drag a card to another column to change the offer's status.
   Won and lost need a date (and a reason): they open the status dialog instead. A refused
   move shows the server's message and the card goes back. */
(function () {
  "use strict";

  var ZERO_ID = "00000000-0000-0000-0000-000000000000";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function showError(text) {
    htmx.trigger(document.body, "showMessage", { value: text });
  }

  function putBack(event) {
    var from = event.from;
    var card = event.item;
    var reference = from.children[event.oldIndex] || null;
    if (reference === card) { return; }
    from.insertBefore(card, reference);
  }

  function reload() {
    htmx.trigger(document.body, "pipeline-changed");
  }

  function onDrop(board, event) {
    if (event.from === event.to) { return; }
    var card = event.item;
    var column = event.to.closest(".kanban-column");
    var status = event.to.getAttribute("data-status");
    var offerId = card.getAttribute("data-offer-id");
    if (column.getAttribute("data-closing") === "true") {
      putBack(event);
      var url = board.getAttribute("data-status-url").replace(ZERO_ID, offerId);
      url += "?status=" + encodeURIComponent(status) + "&next=" + encodeURIComponent(board.getAttribute("data-next"));
      htmx.ajax("GET", url, { target: "#dialog-body" });
      return;
    }
    var body = new URLSearchParams();
    body.set("status", status);
    body.set("version", card.getAttribute("data-version"));
    fetch(board.getAttribute("data-move-url").replace(ZERO_ID, offerId), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok && data.ok) {
          reload();
        } else {
          putBack(event);
          showError(data.message || board.getAttribute("data-error-text"));
        }
      });
    }).catch(function () {
      putBack(event);
      showError(board.getAttribute("data-error-text"));
    });
  }

  function init() {
    var board = document.getElementById("board");
    if (!board || board.getAttribute("data-ready") || typeof Sortable === "undefined") { return; }
    board.setAttribute("data-ready", "true");
    board.querySelectorAll(".kanban-cards").forEach(function (list) {
      Sortable.create(list, {
        group: "offers",
        animation: 150,
        filter: "a",
        preventOnFilter: false,
        onEnd: function (event) { onDrop(board, event); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  // The board reloads itself after a move (outerHTML): the new one needs Sortable again.
  document.body.addEventListener("htmx:afterSettle", init);
})();
