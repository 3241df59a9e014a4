// Idle warning: two minutes before the server ends an idle session, offer to stay signed in.
// The limits come from data attributes on <body>; "Stay signed in" posts to the keep-alive URL.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.keepaliveUrl;
  if (!url) {
    return;
  }
  var idleMs = Number(body.dataset.sessionIdleSeconds) * 1000;
  var warnMs = Number(body.dataset.sessionWarnSeconds) * 1000;
  var warnTimer = null;
  var endTimer = null;
  var banner = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function hide() {
    if (banner) {
      banner.remove();
      banner = null;
    }
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    hide();
    warnTimer = window.setTimeout(show, warnMs);
    // At the limit the server has ended the session: reloading shows the sign-in page.
    endTimer = window.setTimeout(function () {
      window.location.reload();
    }, idleMs + 1000);
  }

  function stay() {
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.status === 204) {
        schedule();
      } else {
        window.location.reload();
      }
    }, function () {
      window.location.reload();
    });
  }

  function show() {
    hide();
    banner = document.createElement("div");
    banner.className = "session-warning";
    banner.setAttribute("role", "alertdialog");
    banner.setAttribute("aria-live", "assertive");
    var minutes = Math.round((idleMs - warnMs) / 60000);
    var text = document.createElement("p");
    text.textContent =
      "You will be signed out in " + minutes + " minutes because nothing has happened on this page.";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = "Stay signed in";
    button.addEventListener("click", stay);
    banner.appendChild(text);
    banner.appendChild(button);
    body.appendChild(banner);
    button.focus();
  }

  document.addEventListener("htmx:afterRequest", schedule);
  schedule();
})();
