// Practice rounds: send the answer with fetch and show the feedback in place. Without this
// script the same form posts and the page reloads with the feedback.
(function () {
  "use strict";
  var form = document.querySelector("[data-practice-form]");
  if (!form || !window.fetch) return;
  var target = document.querySelector("[data-practice-feedback]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (!data.ok) {
          if (data.error) window.alert(data.error);
          button.disabled = false;
          return;
        }
        form.hidden = true;
        target.innerHTML = data.html;
        var progress = document.querySelector("[data-practice-progress]");
        if (progress) progress.outerHTML = data.progress;
        var feedback = document.getElementById("feedback");
        if (feedback) feedback.focus();
      })
      .catch(function () { form.submit(); });
  });
})();
