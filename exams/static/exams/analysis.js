// The item analysis page while a run is under way: ask how far it got every two seconds,
// move the progress bar, and load the page again once the run has finished.
// Without this script the page still works: its "刷新" link reloads it.
(function () {
  "use strict";
  var box = document.querySelector("[data-analysis-progress]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var timer = window.setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (state) {
        bar.value = state.percent;
        text.textContent = state.percent + "%";
        if (!state.running) {
          window.clearInterval(timer);
          text.textContent = box.getAttribute("data-done-text");
          window.location.reload();
        }
      })
      .catch(function () {
        window.clearInterval(timer);
      });
  }, 2000);
})();
