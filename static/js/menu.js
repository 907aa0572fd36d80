/* The main menu behind one button on narrow screens. Loaded in <head> so the page is laid out
   folded from the first paint; without JavaScript the menu simply stays unfolded. */
(function () {
  "use strict";
  document.documentElement.className += " js";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }
    button.hidden = false;

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and brings focus back to its button.
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });
}());
