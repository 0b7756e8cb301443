// Self-checks in a lesson: tell the learner at once whether the answer is right and show the
// explanation. Each answered check gets data-answered and fires a "self-check:answered" event
// (bubbling) so that the learning app can record it without changing this script.
(function () {
  "use strict";

  function chosen(form) {
    return Array.prototype.map.call(
      form.querySelectorAll("input:checked"),
      function (input) { return input.value; }
    ).sort();
  }

  function check(event) {
    event.preventDefault();
    var form = event.currentTarget;
    var result = form.querySelector(".self-check__result");
    var answer = chosen(form);
    if (answer.length === 0) {
      result.textContent = result.dataset.textEmpty;
      return;
    }
    var key = (form.dataset.correct || "").split(",").filter(Boolean).sort();
    var correct = answer.join(",") === key.join(",");
    result.textContent = correct ? result.dataset.textRight : result.dataset.textWrong;
    result.className = "self-check__result " + (correct ? "self-check__result--right" : "self-check__result--wrong");
    form.querySelector(".self-check__explanation").hidden = false;
    form.dataset.answered = "true";
    form.dataset.answeredCorrect = correct ? "true" : "false";
    form.dispatchEvent(new CustomEvent("self-check:answered", {
      bubbles: true,
      detail: { id: form.dataset.selfCheckId, pageId: form.dataset.pageId, correct: correct, answer: answer }
    }));
  }

  document.querySelectorAll("form[data-self-check]").forEach(function (form) {
    form.addEventListener("submit", check);
  });
})();
