// The projector view of a live session: fetch the changing part every few seconds and
// replace it when it changed (the server answers 304 to the ETag while nothing changed).
// On a poor connection it waits longer between tries; without JavaScript the page reloads
// itself (a <noscript> refresh).
(function () {
  "use strict";
  var feed = document.getElementById("live-feed");
  if (!feed || !window.fetch) { return; }
  var url = feed.getAttribute("data-feed-url");
  var etag = null;
  var wait = 3000;
  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-cache" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) {
        if (html !== null) { feed.innerHTML = html; }
        wait = 3000;
      })
      .catch(function () { wait = Math.min(wait * 2, 30000); })
      .then(function () { window.setTimeout(poll, wait); });
  }
  window.setTimeout(poll, wait);
}());
