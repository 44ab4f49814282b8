/* Forms marked data-busy show that long work is under way and cannot be sent twice. */
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (!form.hasAttribute("data-busy")) { return; }
  var button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
    button.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>' +
      form.getAttribute("data-busy");
  }
});
