// The live monitor: fetch the counts and table again every few seconds and put them in place.
// Without this script the page still works: its "刷新" link reloads it.
(function () {
  "use strict";
  var box = document.querySelector("[data-monitor-live]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-refresh-url");
  var every = Math.max(5, Number(box.getAttribute("data-refresh-seconds")) || 15) * 1000;
  var notice = document.querySelector("[data-monitor-stale]");
  var timer = null;

  function say(text) {
    if (!notice) {
      return;
    }
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  function refresh() {
    // Not while hidden, nor while the keyboard is on a link of the table (it would be lost).
    if (document.hidden || box.contains(document.activeElement)) {
      return;
    }
    box.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.clearInterval(timer);
          say(box.getAttribute("data-login-text"));
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          box.innerHTML = html;
          say("");
        }
      })
      .catch(function () {
        say(box.getAttribute("data-error-text"));
      })
      .then(function () {
        box.removeAttribute("aria-busy");
      });
  }

  timer = window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
})();
