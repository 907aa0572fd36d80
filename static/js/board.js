/* The board: select ideas with Ctrl/Cmd-click (one more) and Shift-click (a range) as well as
   with their checkboxes, and drag one selected card onto a cluster to move every selected idea.
   A progressive enhancement of the checkbox form ("Move selected to"), which stays the way to
   move ideas with the keyboard or without JavaScript. Both post to the same endpoint. */
(function () {
  "use strict";
  var board = document.querySelector(".board");
  var source = document.getElementById("board-source");
  var form = document.getElementById("board-form");
  var status = document.getElementById("board-status");
  if (!board || !source || !form) { return; }
  var url = board.getAttribute("data-move-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var counter = document.querySelector(".board-selected");
  var lastClicked = null;

  function say(text) {
    // Emptied first, so saying the same thing twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function cards() { return Array.prototype.slice.call(source.querySelectorAll(".board-idea")); }
  function boxOf(card) { return card.querySelector("input[type=checkbox]"); }

  function refresh() {
    var n = 0;
    cards().forEach(function (card) {
      var on = boxOf(card).checked;
      card.classList.toggle("is-selected", on);
      if (on) { n += 1; }
    });
    if (counter) {
      counter.textContent = n ? board.getAttribute("data-selected-text").replace("{num}", n) : "";
    }
  }

  source.addEventListener("change", refresh);
  source.addEventListener("click", function (event) {
    var card = event.target.closest(".board-idea");
    if (!card || event.target.closest("a, input, label")) {
      if (card && event.target.matches("input[type=checkbox]")) { lastClicked = card; }
      return;
    }
    var list = cards();
    if (event.shiftKey && lastClicked) {
      var from = list.indexOf(lastClicked);
      var to = list.indexOf(card);
      list.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (item) {
        boxOf(item).checked = true;
      });
    } else if (event.ctrlKey || event.metaKey) {
      boxOf(card).checked = !boxOf(card).checked;
    } else {
      return;
    }
    event.preventDefault();
    lastClicked = card;
    refresh();
  });

  function updateCounts(counts) {
    document.querySelectorAll(".cluster-count").forEach(function (span) {
      var n = counts[span.getAttribute("data-cluster-id")] || 0;
      var card = span.closest(".cluster-card");
      var template = n === 1 ? card.getAttribute("data-one") : card.getAttribute("data-many");
      span.textContent = template ? template.replace("{num}", n) : String(n);
    });
  }

  function placeInMembers(item, clusterId) {
    var members = document.querySelector(".cluster-members[data-cluster-id='" + clusterId + "']");
    var entry = document.createElement("li");
    entry.textContent = item.querySelector("label").textContent;
    if (members) { members.appendChild(entry); }
    if (item.parentNode) { item.parentNode.removeChild(item); }
  }

  function moveIdeas(evt) {
    var dragged = evt.item;
    var clusterId = evt.to.getAttribute("data-cluster-id");
    var card = evt.to.closest(".cluster-card");
    boxOf(dragged).checked = true;
    var moving = cards().filter(function (item) { return boxOf(item).checked; });
    if (moving.indexOf(dragged) < 0) { moving.push(dragged); }
    var data = new FormData();
    data.append("csrf_token", token);
    moving.forEach(function (item) { data.append("idea_ids", item.getAttribute("data-idea-id")); });
    data.append("cluster", clusterId);
    fetch(url, {method: "POST", body: data, credentials: "same-origin",
                headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      })
      .then(function (result) {
        if (!result.ok || !result.body.ok) { throw new Error(result.body.message); }
        moving.forEach(function (item) { placeInMembers(item, clusterId); });
        updateCounts(result.body.counts || {});
        refresh();
        say(result.body.message || board.getAttribute("data-moved-text")
              .replace("{name}", card.getAttribute("data-cluster-name")));
      })
      .catch(function (error) {
        source.insertBefore(dragged, source.children[evt.oldIndex] || null);
        say((error && error.message) || board.getAttribute("data-failed-text"));
      });
  }

  if (!window.Sortable) { return; }
  board.classList.add("js-board");
  window.Sortable.create(source, {
    group: {name: "board", pull: true, put: false},
    sort: false,
    forceFallback: true,
    filter: "input, a",
    preventOnFilter: false
  });
  document.querySelectorAll(".cluster-drop").forEach(function (list) {
    window.Sortable.create(list, {
      group: {name: "board", pull: false, put: true},
      forceFallback: true,
      onAdd: moveIdeas
    });
  });
}());
