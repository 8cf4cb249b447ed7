/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  /* <button data-print> prints the page (rosters). */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  /* <form data-confirm="..."> asks before submitting (cancel, withdraw, close). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  /* Close the phone menu when the user taps outside it. */
  var menu = document.querySelector("details.nav-mobile");
  if (menu) {
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  }
})();
