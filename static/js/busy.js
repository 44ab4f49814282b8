/* Forms marked data-busy (with the text to show while working) or data-once are sent once: a double click or a
   second Enter sends nothing more. The button clicked still sends its name and value: a hidden copy stands in for
   it once it is disabled. */
var SENT_FORMS = "form[data-busy], form[data-once]";
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (!form.matches(SENT_FORMS)) { return; }
  if (form.getAttribute("data-sent") === "1") {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent", "1");
  var clicked = event.submitter || form.querySelector("button[type=submit]");
  if (clicked && clicked.name) {
    var copy = document.createElement("input");
    copy.type = "hidden";
    copy.name = clicked.name;
    copy.value = clicked.value;
    form.appendChild(copy);
  }
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) { button.disabled = true; });
  var working = form.getAttribute("data-busy");
  if (clicked && working) {
    clicked.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>' + working;
  }
});
/* A page shown again from the back button may be sent again. */
window.addEventListener("pageshow", function (event) {
  "use strict";
  if (!event.persisted) { return; }
  document.querySelectorAll(SENT_FORMS).forEach(function (form) {
    form.removeAttribute("data-sent");
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) { button.disabled = false; });
  });
});
/* Once a form is on its way, background requests (an autosave) wait for the next page instead of racing it. */
document.addEventListener("htmx:beforeRequest", function (event) {
  "use strict";
  if (document.querySelector("form[data-sent='1']")) { event.preventDefault(); }
});
