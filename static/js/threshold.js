/* The duplicates slider: show its value while it moves (the form still needs "Show"). */
(function () {
  "use strict";
  var slider = document.getElementById("threshold");
  var output = document.getElementById("threshold-value");
  if (!slider || !output) { return; }
  slider.addEventListener("input", function () { output.textContent = slider.value + "%"; });
}());
