/* A background job's progress: asks the status address every two seconds, updates the
   progress bar and reloads the page when the job has finished. Without JavaScript the page
   has a "Look again" link that does the same by hand. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-status-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("progress");
  var label = panel.querySelector("label[for=job-progress]");
  var said = panel.querySelector(".job-step");
  var tries = 0;

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.finished) { window.location.reload(); return; }
        if (bar) { bar.value = status.progress; bar.textContent = status.progress + "%"; }
        if (label && status.step) { label.textContent = status.step; }
        if (said) {
          said.textContent = panel.getAttribute("data-done-text").replace("{percent}", status.progress);
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        tries += 1;
        if (tries < 30) { window.setTimeout(poll, 5000); }
      });
  }
  window.setTimeout(poll, 1500);
}());
