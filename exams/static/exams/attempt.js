/*
 * The exam page's side of autosave (DESIGN §4). Plain script, no build step.
 *
 * Every answer change gets a sequence number that only grows (the counter is kept per attempt
 * in localStorage and never starts below the highest number the server has saved), is put in
 * a queue kept in localStorage, and is sent at once. The server keeps the newest number per
 * question from this page (the token names the page load), so a late or repeated request
 * never overwrites a newer answer; a change made on another device wins by arrival. When the
 * server has kept an answer other than this page's, the question shows a conflict: reload to
 * see the saved answer. Unsent answers survive a reload and are retried with exponential
 * backoff and on the `online` event.
 *
 * Time is the server's: the countdown starts from the seconds rendered into the page and is
 * corrected by every save and heartbeat response (extra time arrives that way, with a renewed
 * token). At 00:00 every input is locked — nothing answered after the deadline is ever sent —
 * the page asks the server once whether the deadline moved, sends what was answered in time,
 * and submits. Changes the server refuses as late are recorded there and listed on the result
 * page. Submitting by hand flushes first.
 *
 * A written answer (case analysis, short answer) goes by the same rules. Every keystroke puts
 * the text in the localStorage queue with a new sequence number, so a reload loses nothing;
 * it is sent once typing has stopped for a second, or when the text area loses focus, so
 * typing does not flood the server.
 *
 * On a phone (600 px wide or less) the paper shows one question per screen: 上一题 / 下一题 move
 * between them and focus the shown question's heading; the answer sheet (答题卡, a modal
 * <dialog>) shows every question as answered, unanswered or flagged (a symbol and a word, not
 * colour alone) and jumps to one on a tap. The question shown is kept in the address (#q-N), so
 * a reload or the confirmation page's links land on it. Wider screens show the whole paper with
 * the palette beside it, as before.
 */
(function () {
  "use strict";

  var root = document.getElementById("exam");
  if (!root || !window.fetch) {
    return;
  }
  var data = root.dataset;
  var storageKey = "exam-attempt:" + data.attempt;
  var statusEl = root.querySelector("[data-save-status]");
  var alertEl = root.querySelector("[data-time-alert]");
  var timerEl = root.querySelector("[data-timer]");
  var answeredEl = root.querySelector("[data-answered]");
  var questions = Array.prototype.slice.call(root.querySelectorAll(".exam-q[data-position]"));

  var MIN_BACKOFF = 1000;
  var MAX_BACKOFF = 30000;
  var HEARTBEAT = 30000;
  var TYPING_PAUSE = 1000;

  var state = load();
  var flushing = false;
  var offline = navigator.onLine === false;
  var halted = "";
  var notice = "";
  var backoff = MIN_BACKOFF;
  var retryTimer = null;
  var submitting = false;
  var locked = false; // the countdown reached 00:00: no more changes
  var conflicts = {}; // position -> true: the server kept another device's answer
  var token = data.token;
  var typing = {}; // position -> timer: a text being typed, sent once typing pauses

  function text(name, n) {
    var value = data["t" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    return value.replace("{n}", String(n));
  }

  // --- storage ------------------------------------------------------------------------------

  function load() {
    var stored = null;
    try {
      stored = JSON.parse(window.localStorage.getItem(storageKey));
    } catch (err) {
      stored = null;
    }
    if (!stored || typeof stored !== "object") {
      stored = {};
    }
    return { counter: Number(stored.counter) || 0, pending: stored.pending || {} };
  }

  function persist() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (err) {
      // Storage full or disabled: the queue still lives in memory for this page.
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(storageKey);
    } catch (err) {
      // nothing to forget
    }
  }

  function pendingCount() {
    return Object.keys(state.pending).length;
  }

  function nextSeq() {
    state.counter += 1;
    persist();
    return state.counter;
  }

  // --- the page -----------------------------------------------------------------------------

  function render() {
    if (!statusEl) {
      return;
    }
    var n = pendingCount();
    var message;
    var kind;
    if (halted) {
      message = halted;
      kind = "error";
    } else if (offline) {
      message = text("offline", n);
      kind = "offline";
    } else if (Object.keys(conflicts).length) {
      message = text("stale", Object.keys(conflicts).join("、"));
      kind = "conflict";
    } else if (n > 0 || flushing) {
      message = text("saving");
      kind = "saving";
    } else {
      message = notice || text("saved");
      kind = "saved";
    }
    if (submitting && !halted && kind !== "offline") {
      message = text("submitting");
    }
    statusEl.textContent = message;
    statusEl.setAttribute("data-state", kind);
  }

  function questionFor(position) {
    return document.getElementById("q-" + position);
  }

  function inputsOf(section) {
    return Array.prototype.slice.call(section.querySelectorAll("input[type=radio], input[type=checkbox]"));
  }

  function textareaOf(section) {
    return section.querySelector("textarea[data-answer-text]");
  }

  function answeredOf(section) {
    var area = textareaOf(section);
    return area ? area.value.trim().length > 0 : selectedOf(section).length > 0;
  }

  function selectedOf(section) {
    return inputsOf(section)
      .filter(function (input) { return input.checked; })
      .map(function (input) { return Number(input.value); });
  }

  function refreshQuestion(section) {
    var position = section.getAttribute("data-position");
    var answered = answeredOf(section);
    var flagged = section.classList.contains("is-flagged");
    refreshSheetItem(position, answered, flagged);
    var item = root.querySelector('[data-palette="' + position + '"]');
    if (item) {
      item.classList.toggle("is-answered", answered);
      item.classList.toggle("is-flagged", flagged);
      var label = item.querySelector("[data-palette-label]");
      if (label) {
        label.textContent = (answered ? text("answered") : text("unanswered")) +
          (flagged ? "，" + text("flagged") : "");
      }
    }
  }

  function refreshProgress() {
    refreshSheetCounts();
    if (!answeredEl) {
      return;
    }
    answeredEl.textContent = String(
      questions.filter(answeredOf).length
    );
  }

  // --- one question per screen (phones) and the answer sheet --------------------------------

  var phone = window.matchMedia ? window.matchMedia("(max-width: 600px)") : { matches: false };
  var sheet = root.querySelector("[data-sheet]");
  var sheetOpener = root.querySelector("[data-sheet-open]");
  var prevButton = root.querySelector("[data-pager-prev]");
  var nextButton = root.querySelector("[data-pager-next]");
  var whereEl = root.querySelector("[data-pager-where]");
  var currentIndex = 0;

  function refreshSheetItem(position, answered, flagged) {
    if (!sheet) {
      return;
    }
    var item = sheet.querySelector('[data-sheet-item="' + position + '"]');
    if (!item) {
      return;
    }
    item.classList.toggle("is-answered", answered);
    item.classList.toggle("is-flagged", flagged);
    var mark = item.querySelector("[data-sheet-mark]");
    var label = item.querySelector("[data-sheet-label]");
    var flag = item.querySelector("[data-sheet-flag]");
    if (mark) {
      mark.textContent = answered ? "\u2713" : "\u25cb";
    }
    if (label) {
      label.textContent = answered ? text("answered") : text("unanswered");
    }
    if (flag) {
      flag.hidden = !flagged;
    }
  }

  function refreshSheetCounts() {
    var counts = sheet ? sheet.querySelector("[data-sheet-counts]") : null;
    if (!counts) {
      return;
    }
    var answered = questions.filter(answeredOf).length;
    var flagged = questions.filter(function (q) { return q.classList.contains("is-flagged"); }).length;
    counts.textContent = text("answered") + " " + answered + " · " +
      text("unanswered") + " " + (questions.length - answered) + " · " +
      text("flagged") + " " + flagged;
  }

  function indexOfPosition(position) {
    for (var i = 0; i < questions.length; i += 1) {
      if (questions[i].getAttribute("data-position") === String(position)) {
        return i;
      }
    }
    return -1;
  }

  function positionFromHash() {
    var match = /^#q-(\d+)$/.exec(window.location.hash || "");
    return match ? indexOfPosition(match[1]) : -1;
  }

  // Show the index-th question (on a phone the others are hidden by exam.css); with focus,
  // move the keyboard and the screen reader to its heading.
  function showQuestion(index, focus, keepInAddress) {
    if (!questions.length || index < 0 || index >= questions.length) {
      return;
    }
    currentIndex = index;
    var shown = questions[index];
    questions.forEach(function (section) {
      section.classList.toggle("is-current", section === shown);
    });
    var sectionNo = shown.getAttribute("data-section");
    Array.prototype.forEach.call(root.querySelectorAll(".exam__section[data-section]"), function (h) {
      h.classList.toggle("is-current", h.getAttribute("data-section") === sectionNo);
    });
    if (prevButton) {
      prevButton.disabled = index === 0;
    }
    if (nextButton) {
      nextButton.disabled = index === questions.length - 1;
    }
    if (whereEl) {
      whereEl.textContent = (index + 1) + " / " + questions.length;
    }
    if (sheet) {
      Array.prototype.forEach.call(sheet.querySelectorAll("[data-sheet-item]"), function (item) {
        if (item.getAttribute("data-sheet-item") === shown.getAttribute("data-position")) {
          item.setAttribute("aria-current", "true");
        } else {
          item.removeAttribute("aria-current");
        }
      });
    }
    var hash = "#q-" + shown.getAttribute("data-position");
    if (keepInAddress && phone.matches && window.location.hash !== hash) {
      history.replaceState(null, "", hash);
    }
    if (focus) {
      var heading = shown.querySelector(".exam-q__legend") || shown;
      if (phone.matches) {
        window.scrollTo(0, 0);
      }
      heading.focus({ preventScroll: phone.matches });
    }
  }

  function openSheet() {
    if (!sheet || sheet.open) {
      return;
    }
    refreshSheetCounts();
    if (typeof sheet.showModal === "function") {
      sheet.showModal();
    } else {
      sheet.setAttribute("open", "");
    }
    if (sheetOpener) {
      sheetOpener.setAttribute("aria-expanded", "true");
    }
    var current = sheet.querySelector("[data-sheet-item][aria-current]") ||
      sheet.querySelector("[data-sheet-item]");
    if (current) {
      current.focus();
    }
  }

  // Close the sheet; focus goes back to the button that opened it unless a question was chosen.
  function closeSheet(returnFocus) {
    if (!sheet) {
      return;
    }
    if (sheet.open) {
      if (typeof sheet.close === "function") {
        sheet.close();
      } else {
        sheet.removeAttribute("open");
      }
    }
    if (sheetOpener) {
      sheetOpener.setAttribute("aria-expanded", "false");
      if (returnFocus) {
        sheetOpener.focus();
      }
    }
  }

  function setUpPaging() {
    if (!questions.length) {
      return; // the confirmation page
    }
    root.classList.add("is-paged");
    var fromHash = positionFromHash();
    showQuestion(fromHash >= 0 ? fromHash : 0, fromHash >= 0 && phone.matches);
    if (prevButton) {
      prevButton.addEventListener("click", function () { showQuestion(currentIndex - 1, true, true); });
    }
    if (nextButton) {
      nextButton.addEventListener("click", function () { showQuestion(currentIndex + 1, true, true); });
    }
    if (sheetOpener) {
      sheetOpener.addEventListener("click", openSheet);
    }
    if (sheet) {
      sheet.addEventListener("click", function (event) {
        var item = event.target.closest("[data-sheet-item]");
        if (item) {
          closeSheet(false);
          showQuestion(indexOfPosition(item.getAttribute("data-sheet-item")), true, true);
        } else if (event.target.closest("[data-sheet-close]") || event.target === sheet) {
          closeSheet(true); // the close button, or a tap on the backdrop
        }
      });
      sheet.addEventListener("cancel", function (event) {
        event.preventDefault(); // Escape: close it ourselves, so focus goes back to the opener
        closeSheet(true);
      });
      sheet.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && sheet.open) {
          event.preventDefault();
          closeSheet(true);
        }
      });
    }
    window.addEventListener("hashchange", function () {
      var index = positionFromHash();
      if (index >= 0 && index !== currentIndex) {
        showQuestion(index, phone.matches);
      }
    });
    var widthChanged = function () {
      if (!phone.matches && sheet && sheet.open) {
        closeSheet(false);
      }
    };
    if (phone.addEventListener) {
      phone.addEventListener("change", widthChanged);
    }
  }

  // --- sending ------------------------------------------------------------------------------

  function goOffline() {
    offline = true;
    render();
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flush, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF);
  }

  function send(position, entry) {
    return window.fetch(data.saveUrl, {
      method: "POST",
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-Attempt-Token": token },
      body: JSON.stringify(
        typeof entry.text === "string"
          ? { position: Number(position), text: entry.text, seq: entry.seq }
          : { position: Number(position), selected: entry.selected, seq: entry.seq }
      )
    });
  }

  // The server's time: seconds left and, when extra time moved the deadline, a new token.
  function learnTime(body) {
    if (body.token) {
      token = body.token;
    }
    if (typeof body.remaining === "number") {
      setRemaining(body.remaining);
    }
  }

  function sameAnswer(a, b) {
    var x = (a || []).map(Number).sort();
    var y = (b || []).map(Number).sort();
    return x.length === y.length && x.every(function (v, i) { return v === y[i]; });
  }

  function markConflict(position, kept, keptText) {
    var section = questionFor(position);
    var area = section ? textareaOf(section) : null;
    var mine = section ? selectedOf(section) : null;
    var same = area ? area.value === (keptText || "") : sameAnswer(mine, kept);
    if (mine === null || same) {
      delete conflicts[position];
    } else {
      conflicts[position] = true;
    }
    if (section) {
      section.classList.toggle("is-conflict", !!conflicts[position]);
    }
  }

  function closedByServer(message) {
    // The attempt was finished on the server (handed in elsewhere, by an administrator, or
    // time): nothing more can be saved; go to the result.
    halted = message;
    lockInputs();
    render();
    if (!submitting && data.resultUrl) {
      window.setTimeout(function () { window.location.href = data.resultUrl; }, 4000);
    }
  }

  async function heartbeat() {
    if (halted || navigator.onLine === false) {
      return null;
    }
    try {
      var response = await window.fetch(data.heartbeatUrl, {
        method: "POST",
        credentials: "omit",
        cache: "no-store",
        headers: { "X-Attempt-Token": token }
      });
      var body = await response.json();
      if (response.ok && body.ok) {
        learnTime(body);
        return body;
      }
      if (response.status === 409 && !submitting) {
        closedByServer(body.error || response.statusText);
      }
    } catch (err) {
      return null; // offline: the save queue shows it
    }
    return null;
  }

  async function flush() {
    if (flushing || halted) {
      return;
    }
    window.clearTimeout(retryTimer);
    if (navigator.onLine === false) {
      goOffline();
      return;
    }
    flushing = true;
    render();
    try {
      while (pendingCount() > 0) {
        var position = Object.keys(state.pending).filter(function (p) { return !typing[p]; })[0];
        if (position === undefined) {
          break; // only texts being typed: they go once typing pauses
        }
        var entry = state.pending[position];
        var response;
        try {
          response = await send(position, entry);
        } catch (err) {
          goOffline();
          return;
        }
        if (response.status >= 500) {
          goOffline();
          return;
        }
        var body = {};
        try {
          body = await response.json();
        } catch (err) {
          body = {};
        }
        offline = false;
        backoff = MIN_BACKOFF;
        var current = state.pending[position];
        if (response.ok && body.ok) {
          if (current && current.seq <= body.seq) {
            delete state.pending[position];
          }
          state.counter = Math.max(state.counter, Number(body.seq) || 0);
          if (body.stale) {
            markConflict(position, body.selected, body.text);
          } else if (conflicts[position] && current && current.seq <= body.seq) {
            markConflict(position, entry.selected, entry.text);
          }
          learnTime(body);
        } else if (response.status === 403) {
          // The token expired or is not valid: nothing more can be saved from this page.
          halted = body.error || response.statusText;
          return;
        } else {
          // Refused (finished, late, or not a valid answer): keep the message, drop the
          // answer. A late one is recorded by the server and listed on the result page.
          if (current && current.seq <= entry.seq) {
            delete state.pending[position];
          }
          notice = body.error || response.statusText;
          if (body.finished && !submitting) {
            closedByServer(notice);
          }
        }
        persist();
        render();
      }
    } finally {
      flushing = false;
      persist();
      render();
    }
  }

  // Send texts being typed now (blur, submit, time up), without waiting for the pause.
  function settleTyping() {
    Object.keys(typing).forEach(function (position) {
      window.clearTimeout(typing[position]);
      delete typing[position];
    });
  }

  function flushWithin(ms) {
    settleTyping();
    var until = Date.now() + ms;
    backoff = MIN_BACKOFF;
    return new Promise(function (resolve) {
      (async function attempt() {
        await flush();
        if (pendingCount() === 0 && !flushing) {
          resolve(true);
        } else if (Date.now() > until || halted) {
          resolve(false);
        } else {
          window.setTimeout(attempt, 500);
        }
      })();
    });
  }

  function record(section) {
    if (locked) {
      return; // after 00:00 nothing is recorded (the inputs are disabled as well)
    }
    var position = section.getAttribute("data-position");
    state.pending[position] = { selected: selectedOf(section), seq: nextSeq() };
    persist();
    notice = "";
    refreshQuestion(section);
    refreshProgress();
    flush();
  }

  // A keystroke in a written answer: queued (and kept in localStorage) at once, sent after
  // a pause in typing.
  function recordText(section, area, immediately) {
    if (locked) {
      return;
    }
    var position = section.getAttribute("data-position");
    var entry = state.pending[position];
    if (!entry || entry.text !== area.value) {
      state.pending[position] = { text: area.value, seq: nextSeq() };
      persist();
    }
    notice = "";
    var counter = section.querySelector("[data-text-count]");
    if (counter) {
      counter.textContent = String(area.value.length);
    }
    refreshQuestion(section);
    refreshProgress();
    window.clearTimeout(typing[position]);
    if (immediately) {
      delete typing[position];
      flush();
      return;
    }
    typing[position] = window.setTimeout(function () {
      delete typing[position];
      flush();
    }, TYPING_PAUSE);
    render();
  }

  // --- restoring after a reload --------------------------------------------------------------

  function restore() {
    var highest = 0;
    questions.forEach(function (section) {
      highest = Math.max(highest, Number(section.getAttribute("data-seq")) || 0);
    });
    state.counter = Math.max(state.counter, highest);
    if (!questions.length) {
      return; // the confirmation page: no paper, just send what is waiting
    }
    Object.keys(state.pending).forEach(function (position) {
      var section = questionFor(position);
      var entry = state.pending[position];
      if (!section || entry.seq <= (Number(section.getAttribute("data-seq")) || 0)) {
        delete state.pending[position]; // the server already has this or something newer
        return;
      }
      var area = textareaOf(section);
      if (area && typeof entry.text === "string") {
        area.value = entry.text;
        return;
      }
      var chosen = (entry.selected || []).map(String);
      inputsOf(section).forEach(function (input) {
        input.checked = chosen.indexOf(input.value) !== -1;
      });
    });
    questions.forEach(refreshQuestion);
    refreshProgress();
    persist();
  }

  // --- countdown ----------------------------------------------------------------------------

  var deadlineAt = performance.now() + (Number(data.remaining) || 0) * 1000;
  var announced = {};

  function setRemaining(seconds) {
    var before = Math.round((deadlineAt - performance.now()) / 1000);
    deadlineAt = performance.now() + seconds * 1000;
    if (seconds > 0 && locked && !halted) {
      unlockInputs(); // extra time arrived at the last moment
    }
    if (seconds - before >= 30) {
      var minutes = Math.max(1, Math.round((seconds - before) / 60));
      notice = text("extended", minutes);
      if (alertEl) {
        alertEl.textContent = notice;
      }
      render();
    }
  }

  function allInputs() {
    return Array.prototype.slice.call(
      root.querySelectorAll(".exam-q input, .exam-q textarea, .exam-q button, [data-exam-submit]")
    );
  }

  function lockInputs() {
    locked = true;
    root.classList.add("is-locked");
    allInputs().forEach(function (el) {
      el.disabled = true;
      el.setAttribute("aria-disabled", "true");
    });
  }

  function unlockInputs() {
    locked = false;
    submitting = false;
    root.classList.remove("is-locked");
    allInputs().forEach(function (el) {
      el.disabled = false;
      el.removeAttribute("aria-disabled");
    });
    if (alertEl && alertEl.textContent === text("timeup")) {
      alertEl.textContent = "";
    }
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var left = Math.max(0, Math.ceil((deadlineAt - performance.now()) / 1000));
    if (timerEl) {
      var h = Math.floor(left / 3600);
      var m = Math.floor((left % 3600) / 60);
      var s = left % 60;
      timerEl.textContent = (h ? h + ":" : "") + pad(m) + ":" + pad(s);
      timerEl.classList.toggle("is-urgent", left <= 300);
    }
    [[300, "five"], [60, "one"]].forEach(function (mark) {
      if (left <= mark[0] && left > mark[0] - 5 && !announced[mark[1]] && alertEl) {
        announced[mark[1]] = true;
        alertEl.textContent = text(mark[1]);
      }
    });
    if (left === 0 && !submitting && !halted && root.querySelector("[data-exam-autosubmit]")) {
      timeUp();
    }
  }

  // --- submitting ---------------------------------------------------------------------------

  function whenOnline() {
    if (navigator.onLine !== false) {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      window.addEventListener("online", function () { resolve(); }, { once: true });
    });
  }

  async function timeUp() {
    submitting = true;
    lockInputs();
    if (alertEl) {
      alertEl.textContent = text("timeup");
    }
    render();
    // Did an administrator give extra time that this page has not heard of yet?
    var beat = await heartbeat();
    if (beat && beat.remaining > 0) {
      unlockInputs();
      render();
      return;
    }
    var form = root.querySelector("[data-exam-autosubmit]");
    // What was answered in time and is still on its way: the server takes it within the
    // grace; what arrives later is refused, recorded, and listed on the result page.
    var flushed = await flushWithin(20000);
    await whenOnline();
    if (!flushed) {
      await flushWithin(20000); // back online: deliver (or have refused and recorded) the rest
    }
    forget();
    form.submit();
  }

  async function submitAfterFlush(event, form) {
    event.preventDefault();
    if (submitting) {
      return;
    }
    submitting = true;
    render();
    var flushed = await flushWithin(10000);
    submitting = false;
    if (!flushed) {
      notice = "";
      render();
      if (statusEl) {
        statusEl.textContent = text("unsent", pendingCount());
        statusEl.setAttribute("data-state", "error");
      }
      return;
    }
    if (form.tagName === "A") {
      window.location.href = form.href; // to the confirmation page
      return;
    }
    forget();
    form.submit();
  }

  // --- flags --------------------------------------------------------------------------------

  async function toggleFlag(event) {
    var form = event.target;
    event.preventDefault();
    var section = form.closest(".exam-q");
    var button = form.querySelector("button");
    var flaggedInput = form.querySelector("input[name=flagged]");
    try {
      var response = await window.fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value
        },
        body: new FormData(form)
      });
      var body = await response.json();
      if (!response.ok || !body.ok) {
        throw new Error("refused");
      }
      section.classList.toggle("is-flagged", body.flagged);
      button.setAttribute("aria-pressed", body.flagged ? "true" : "false");
      flaggedInput.value = body.flagged ? "0" : "1";
      refreshQuestion(section);
    } catch (err) {
      if (alertEl) {
        alertEl.textContent = text("flagFailed");
      }
      notice = text("flagFailed");
      render();
    }
  }

  // --- wiring -------------------------------------------------------------------------------

  root.addEventListener("change", function (event) {
    if (event.target.matches("textarea[data-answer-text]")) {
      return; // written answers: input and focusout below
    }
    var section = event.target.closest(".exam-q[data-position]");
    if (section) {
      record(section);
    }
  });
  root.addEventListener("input", function (event) {
    if (event.target.matches("textarea[data-answer-text]")) {
      recordText(event.target.closest(".exam-q[data-position]"), event.target, false);
    }
  });
  root.addEventListener("focusout", function (event) {
    if (event.target.matches("textarea[data-answer-text]")) {
      recordText(event.target.closest(".exam-q[data-position]"), event.target, true);
    }
  });
  root.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-flag-form")) {
      toggleFlag(event);
    } else if (event.target.hasAttribute("data-exam-confirm")) {
      submitAfterFlush(event, event.target);
    }
  });
  root.addEventListener("click", function (event) {
    var submitLink = event.target.closest("a[data-exam-submit]");
    if (submitLink) {
      submitAfterFlush(event, submitLink);
      return;
    }
    var link = event.target.closest("[data-palette]");
    if (!link) {
      return;
    }
    var section = questionFor(link.getAttribute("data-palette"));
    if (section) {
      event.preventDefault();
      showQuestion(questions.indexOf(section), false);
      section.scrollIntoView({ block: "start" });
      section.focus({ preventScroll: true });
      history.replaceState(null, "", "#q-" + link.getAttribute("data-palette"));
    }
  });
  window.addEventListener("online", function () {
    offline = false;
    backoff = MIN_BACKOFF;
    flush();
  });
  window.addEventListener("offline", function () {
    offline = true;
    render();
  });

  restore();
  setUpPaging();
  refreshSheetCounts();
  render();
  tick();
  window.setInterval(tick, 250);
  if (data.heartbeatUrl) {
    heartbeat(); // the monitor sees the page at once, not half a minute later
    window.setInterval(heartbeat, HEARTBEAT);
  }
  flush();
})();
