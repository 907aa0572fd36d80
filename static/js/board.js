/* The board: drag an idea row onto a cluster. A progressive enhancement of the checkbox form,
   which stays the way to move ideas with the keyboard or without JavaScript. Both post to the
   same endpoint. */
(function () {
  "use strict";
  var board = document.querySelector(".board");
  var source = document.getElementById("board-source");
  var form = document.getElementById("board-form");
  var status = document.getElementById("board-status");
  if (!board || !source || !form || !window.Sortable) { return; }
  var url = board.getAttribute("data-move-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  board.classList.add("js-board");

  function say(text) {
    // Emptied first, so saying the same thing twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

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
    members.appendChild(entry);
    item.parentNode.removeChild(item);
  }

  function moveIdea(evt) {
    var item = evt.item;
    var target = evt.to;
    var clusterId = target.getAttribute("data-cluster-id");
    var card = target.closest(".cluster-card");
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("idea_ids", item.getAttribute("data-idea-id"));
    data.append("cluster", clusterId);
    fetch(url, {method: "POST", body: data, credentials: "same-origin",
                headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      })
      .then(function (result) {
        if (!result.ok || !result.body.ok) { throw new Error(result.body.message); }
        placeInMembers(item, clusterId);
        updateCounts(result.body.counts || {});
        say(board.getAttribute("data-moved-text")
              .replace("{name}", card.getAttribute("data-cluster-name")));
      })
      .catch(function (error) {
        source.insertBefore(item, source.children[evt.oldIndex] || null);
        say((error && error.message) || board.getAttribute("data-failed-text"));
      });
  }

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
      onAdd: moveIdea
    });
  });
}());
