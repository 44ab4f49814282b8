/* Forms marked data-busy show that work is under way and cannot be sent twice (a double click sends once).
   The button clicked still sends its name and value: a hidden copy stands in for it once it is disabled. */
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (!form.hasAttribute("data-busy")) { return; }
  var clicked = event.submitter || form.querySelector("button[type=submit]");
  if (clicked && clicked.name) {
    var copy = document.createElement("input");
    copy.type = "hidden";
    copy.name = clicked.name;
    copy.value = clicked.value;
    form.appendChild(copy);
  }
  form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
  if (clicked) {
    clicked.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>' +
      form.getAttribute("data-busy");
  }
});
/* A page shown again from the back button gets its buttons back. */
window.addEventListener("pageshow", function (event) {
  "use strict";
  if (!event.persisted) { return; }
  document.querySelectorAll("form[data-busy] button[type=submit]").forEach(function (button) { button.disabled = false; });
});
/* Once a form is on its way, background requests (an autosave) wait for the next page instead of racing it. */
document.addEventListener("htmx:beforeRequest", function (event) {
  "use strict";
  if (document.querySelector("form[data-busy] button[type=submit]:disabled")) { event.preventDefault(); }
});
