/* Similar ideas while typing a title: a small progressive enhancement of the submit form.
   Without JavaScript the server shows the same list after the first submit attempt. */
(function () {
  "use strict";
  var form = document.getElementById("idea-form");
  var box = document.getElementById("similar-live");
  if (!form || !box) { return; }
  var title = form.querySelector("input[name=title]");
  var seen = form.querySelector("input[name=similar_seen]");
  var url = form.getAttribute("data-similar-url");
  var timer = null;
  var last = "";

  function render(ideas) {
    box.textContent = "";
    if (!ideas.length) { box.hidden = true; return; }
    var heading = document.createElement("p");
    heading.className = "similar-heading";
    heading.textContent = box.getAttribute("data-heading");
    var list = document.createElement("ul");
    ideas.forEach(function (idea) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = idea.url;
      link.textContent = idea.title;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(list);
    box.hidden = false;
    // The citizen has seen the similar ideas; the server need not show them again.
    if (seen) { seen.value = "1"; }
  }

  function lookup() {
    var text = title.value.trim();
    if (text === last) { return; }
    last = text;
    if (text.length < 3) { render([]); return; }
    fetch(url + "?title=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {ideas: []}; })
      .then(function (data) { if (text === last) { render(data.ideas || []); } })
      .catch(function () { /* the hint is optional; typing goes on */ });
  }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 350);
  });
}());
