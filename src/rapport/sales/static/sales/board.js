// The kanban board: SortableJS drags cards between stage columns; HTMX posts the
// move; the server answers with the refreshed card and both columns' figures, or
// refuses (someone else moved it, a lost deal needs a reason...) and the card goes back.
(function () {
  "use strict";

  var pipelineSwitch = document.querySelector("[data-pipeline-switch]");
  if (pipelineSwitch) {
    pipelineSwitch.addEventListener("change", function () { window.location.href = pipelineSwitch.value; });
  }

  var board = document.querySelector("[data-board]");
  if (!board || !window.Sortable || !window.htmx) return;
  var query = board.getAttribute("data-filter-query");
  var pending = null;

  function say(text, isError) {
    var box = document.getElementById("board-message");
    box.className = "toast board-message" + (isError ? " toast-error" : "");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { box.hidden = true; }, isError ? 8000 : 3000);
  }

  function putBack(card, from, index) {
    var anchor = from.children[index] || null;
    if (anchor === card) return;
    from.insertBefore(card, anchor);
    card.classList.add("is-refused");
    setTimeout(function () { card.classList.remove("is-refused"); }, 700);
  }

  function moved(event) {
    var card = event.item;
    var target = event.to;
    if (event.from === target) return;
    var values = { stage_id: target.getAttribute("data-stage"), version: card.getAttribute("data-version") };
    if (target.hasAttribute("data-lost")) {
      var reason = window.prompt(board.getAttribute("data-lost-question"));
      if (!reason) {
        putBack(card, event.from, event.oldIndex);
        say(board.getAttribute("data-lost-needed"), true);
        return;
      }
      values.lost_reason = reason;
    }
    card.classList.add("is-saving");
    pending = { card: card, from: event.from, index: event.oldIndex };
    var url = card.getAttribute("data-move-url") + (query ? "?" + query : "");
    htmx.ajax("POST", url, { source: card, target: card, swap: "outerHTML", values: values }).then(function () {
      if (pending && pending.card === card) pending = null;
      card.classList.remove("is-saving");
    });
  }

  // A refused move (409 someone else moved it, 422 no lost reason, 403...) or a lost
  // connection: the card goes back where it was and the server's sentence is shown.
  function refused(event) {
    if (!pending) return;
    var p = pending;
    pending = null;
    p.card.classList.remove("is-saving");
    putBack(p.card, p.from, p.index);
    var xhr = event.detail && event.detail.xhr;
    say((xhr && xhr.status && xhr.responseText) || board.getAttribute("data-refused"), true);
  }
  document.body.addEventListener("htmx:responseError", refused);
  document.body.addEventListener("htmx:sendError", refused);

  board.querySelectorAll("[data-stage]").forEach(function (list) {
    new Sortable(list, { group: "board", animation: 120, forceFallback: true, draggable: ".deal-card", filter: "a", preventOnFilter: false, onEnd: moved });
  });
})();
