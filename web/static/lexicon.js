// 漏报: copy the reviewer's selection inside the draft's text into the missed-finding form.
(function () {
  var box = document.getElementById("missed-text");
  if (!box) return;
  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed) return;
    var text = sel.toString().trim();
    var node = sel.anchorNode && (sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement);
    var doc = node && node.closest(".doc");
    if (!text || !doc || text.length > 200) return;
    box.value = text;
    var field = document.getElementById("missed-field");
    if (field) field.value = doc.classList.contains("doc-title") ? "title" : "body";
  });
})();
