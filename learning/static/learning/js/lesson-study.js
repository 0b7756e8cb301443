// Active study time on a lesson page. While the page is visible, a heartbeat goes to the
// server every interval, saying whether the learner did anything (key, pointer, scroll) since
// the previous one. The server decides how many seconds that is worth (never more than the
// time since the person's previous heartbeat from any tab), so this script sends no seconds.
// It also reports reaching the end of the lesson, answered self-checks and the scroll
// position, and scrolls back to that position when the learner returns.
(function () {
  "use strict";

  var panel = document.querySelector("[data-lesson-study]");
  var body = document.querySelector(".lesson-body");
  if (!panel || !body) { return; }

  var interval = (parseInt(panel.dataset.interval, 10) || 30) * 1000;
  var required = parseInt(panel.dataset.requiredSeconds, 10) || 0;
  var reachedEnd = panel.dataset.reachedEnd === "true";
  var completed = panel.dataset.completed === "true";
  var answered = {};
  JSON.parse(panel.dataset.answered || "[]").forEach(function (id) { answered[id] = true; });
  var lastInput = 0;
  var lastBeat = Date.now();
  var ignoreScrollUntil = 0;
  var accrued = panel.querySelector("[data-study-accrued]");
  var bar = panel.querySelector("[data-study-progress]");
  var status = panel.querySelector("[data-study-status]");

  function visible() { return document.visibilityState === "visible"; }

  function position() {
    var range = document.documentElement.scrollHeight - window.innerHeight;
    return range > 0 ? Math.min(1, Math.max(0, window.scrollY / range)) : 0;
  }

  function formatSeconds(seconds) {
    return panel.dataset.textMinutes
      .replace("%(minutes)s", String(Math.floor(seconds / 60)))
      .replace("%(seconds)s", String(seconds % 60));
  }

  function show(data) {
    panel.dataset.activeSeconds = data.active_seconds;
    accrued.textContent = formatSeconds(data.active_seconds);
    var percent = required ? Math.min(100, Math.floor(data.active_seconds * 100 / required)) : 100;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.firstElementChild.style.width = percent + "%";
    completed = data.completed;
    panel.dataset.completed = completed ? "true" : "false";
    var missing = [];
    if (completed) {
      status.textContent = panel.dataset.textDone;
      return;
    }
    if (data.active_seconds < data.required_seconds) { missing.push(panel.dataset.textNeedTime); }
    if (!data.reached_end) { missing.push(panel.dataset.textNeedEnd); }
    if (data.answered.length < data.required_checks.length) { missing.push(panel.dataset.textNeedChecks); }
    status.textContent = missing.join(" ");
  }

  function beat(active, options) {
    var wasActive = active && lastInput > lastBeat;
    lastBeat = Date.now();
    return fetch(panel.dataset.heartbeatUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(options && options.keepalive),
      headers: { "Content-Type": "application/json", "X-CSRFToken": panel.dataset.csrfToken },
      body: JSON.stringify({
        active: wasActive,
        reached_end: reachedEnd,
        answered: Object.keys(answered),
        position: position()
      })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) { show(data); }
    }).catch(function () { /* offline: the next heartbeat carries the state */ });
  }

  function input() { lastInput = Date.now(); }
  ["keydown", "mousedown", "mousemove", "wheel", "touchstart"].forEach(function (name) {
    window.addEventListener(name, input, { passive: true });
  });
  window.addEventListener("scroll", function () {
    if (Date.now() > ignoreScrollUntil) { input(); }
  }, { passive: true });

  // Reaching the end: a marker after the lesson body scrolled into view.
  var marker = document.createElement("div");
  marker.setAttribute("data-lesson-end", "");
  marker.setAttribute("aria-hidden", "true");
  body.parentNode.insertBefore(marker, body.nextSibling);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (!reachedEnd && entries.some(function (e) { return e.isIntersecting; }) && visible()) {
        reachedEnd = true;
        beat(true);
      }
    }).observe(marker);
  }

  document.addEventListener("self-check:answered", function (event) {
    if (event.detail && event.detail.id) {
      answered[event.detail.id] = true;
      input();
      beat(true);
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (visible()) {
      beat(false);  // a new stretch begins: the hidden time earns nothing
    } else {
      beat(true, { keepalive: true });  // the visible time since the last heartbeat
    }
  });
  window.addEventListener("pagehide", function () {
    if (visible()) { beat(true, { keepalive: true }); }
  });

  window.setInterval(function () {
    if (visible()) { beat(true); }
  }, interval);

  // Resume where the learner was, then open the stretch.
  var resume = parseFloat(panel.dataset.resumePosition) || 0;
  if (resume > 0 && !window.location.hash) {
    ignoreScrollUntil = Date.now() + 1000;
    var range = document.documentElement.scrollHeight - window.innerHeight;
    window.scrollTo(0, Math.round(resume * range));
  }
  if (visible()) { beat(false); }
})();
