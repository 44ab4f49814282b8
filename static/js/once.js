/* Forms marked data-once are sent once: a second click (or Enter) is ignored and the buttons are disabled. */
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (!form.hasAttribute("data-once")) { return; }
  if (form.getAttribute("data-sent") === "1") {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent", "1");
  // Disabled after the browser has taken the clicked button's name and value into the request.
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  }, 0);
});
/* A page shown again from the back/forward cache may be sent again. */
window.addEventListener("pageshow", function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.removeAttribute("data-sent");
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = false;
    });
  });
});
