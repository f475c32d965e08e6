/* 审核签批单: the 打印 button opens the browser's print dialog (the print stylesheet lays out A4). */
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
