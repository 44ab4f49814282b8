/* Sitting a knowledge test: the countdown to the deadline the server keeps, answers saved as they are chosen
   (htmx posts each question's fieldset), saves retried when the connection comes back, and handing in. */
(function () {
  "use strict";
  var paper = document.getElementById("paper");
  var clock = document.getElementById("countdown");
  var connection = document.getElementById("connection");
  if (!paper || !clock) { return; }
  var offset = Number(clock.getAttribute("data-now")) - Date.now();
  var deadline = Number(clock.getAttribute("data-deadline"));
  var pending = new Set();
  var handingIn = false;

  function handIn() {
    if (handingIn) { return; }
    handingIn = true;
    clock.textContent = clock.getAttribute("data-time-up");
    paper.setAttribute("data-auto", "1");
    paper.requestSubmit ? paper.requestSubmit() : paper.submit();
  }

  function tick() {
    var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
    var hours = Math.floor(left / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    var seconds = left % 60;
    var text = (hours ? hours + ":" + String(minutes).padStart(2, "0") : String(minutes).padStart(2, "0")) + ":" + String(seconds).padStart(2, "0");
    if (!handingIn) { clock.textContent = text; }
    clock.classList.toggle("sg-late", left <= 60);
    if (left <= 0) { handIn(); }
  }
  tick();
  setInterval(tick, 1000);

  function answered() {
    var count = 0;
    paper.querySelectorAll("fieldset.sg-question").forEach(function (fieldset) {
      var filled = Array.prototype.some.call(fieldset.querySelectorAll("input[name^='q-'], textarea[name^='q-']"), function (input) {
        return (input.type === "radio" || input.type === "checkbox") ? input.checked : input.value.trim() !== "";
      });
      if (filled) { count += 1; }
    });
    return count;
  }
  var counter = document.getElementById("answered-count");
  paper.addEventListener("change", function () { if (counter && !paper.hasAttribute("data-one")) { counter.textContent = String(answered()); } });

  function showOffline(isOffline) {
    if (!connection) { return; }
    connection.textContent = isOffline ? connection.getAttribute("data-offline") : "";
    connection.className = isOffline ? "small mt-1 text-danger" : "small mt-1";
  }
  document.body.addEventListener("htmx:sendError", function (event) {
    var fieldset = event.detail.elt;
    pending.add(fieldset);
    showOffline(true);
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      pending.delete(event.detail.elt);
      if (pending.size === 0) { showOffline(false); }
    }
  });
  function retry() {
    pending.forEach(function (fieldset) { htmx.trigger(fieldset, "retry"); });
  }
  window.addEventListener("online", retry);
  setInterval(function () { if (pending.size && navigator.onLine !== false) { retry(); } }, 5000);

  paper.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.name === "go") { return; }
    if (paper.getAttribute("data-auto") === "1") { return; }
    var total = paper.querySelectorAll("fieldset.sg-question").length;
    if (answered() < total && !window.confirm(paper.getAttribute("data-unanswered"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
}());
