/* The editor's and the review page's tools (issue 16): apply a suggestion, find a finding in the text
   box, reuse an earlier override reason, comment on selected words, one button for a whole level.
   Every form works without this file; it only saves typing. */
(function () {
  "use strict";

  function field(name) {
    return document.querySelector("#editor-form [name='" + name + "']");
  }

  /* 采用建议 replaces exactly the finding's span, then checks the text again; if the words there are
     no longer the ones found (the text was edited since), it says so instead of guessing. */
  function setupFindingActions() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest(".finding-actions button");
      if (!button) { return; }
      var box = button.parentElement;
      var input = field(box.getAttribute("data-field"));
      if (!input) { return; }
      var start = parseInt(box.getAttribute("data-start"), 10);
      var end = parseInt(box.getAttribute("data-end"), 10);
      var text = box.getAttribute("data-text");
      var stale = box.querySelector(".stale");
      if (stale) { stale.remove(); }
      if (input.value.slice(start, end) !== text) {
        var note = document.createElement("p");
        note.className = "stale form-error";
        note.setAttribute("role", "alert");
        note.textContent = "文本框中的这段文字已改动，请先重新检测。";
        box.appendChild(note);
        return;
      }
      if (button.classList.contains("apply-suggestion")) {
        var replacement = button.getAttribute("data-replacement");
        input.value = input.value.slice(0, start) + replacement + input.value.slice(end);
        input.focus();
        input.setSelectionRange(start, start + replacement.length);
        var check = document.getElementById("check-button");
        if (check) { check.click(); }
      } else {
        input.focus();
        input.setSelectionRange(start, end);
        if (input.scrollIntoView) { input.scrollIntoView({ block: "center" }); }
        /* a textarea scrolls to the selection only on typing; put the selected line in view */
        if (input.tagName === "TEXTAREA") {
          var lines = input.value.slice(0, start).split("\n").length;
          var height = parseFloat(window.getComputedStyle(input).lineHeight) || 24;
          input.scrollTop = Math.max(0, (lines - 3) * height);
        }
      }
    });
  }

  function setupReuseReasons() {
    document.querySelectorAll("button.reuse-reason").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-target"));
        if (target) { target.value = button.getAttribute("data-reason"); target.focus(); }
      });
    });
  }

  /* The level button says what it will do: 本级五关全部通过, or how many gates each way. */
  function setupLevelButton() {
    var button = document.getElementById("level-approve");
    if (!button) { return; }
    var radios = document.querySelectorAll("input[type=radio][name^=decision_]");
    var names = { approve: "通过", reject: "退回", later: "暂不签署" };
    function sync() {
      var counts = { approve: 0, reject: 0, later: 0 };
      var total = 0;
      radios.forEach(function (r) { if (r.checked) { counts[r.value] += 1; total += 1; } });
      if (counts.approve === total) {
        button.textContent = total === 5 ? button.getAttribute("data-all") : "通过其余 " + total + " 关";
        return;
      }
      var parts = [];
      ["approve", "reject", "later"].forEach(function (k) { if (counts[k]) { parts.push(counts[k] + " 关" + names[k]); } });
      button.textContent = "按所选签署（" + parts.join("，") + "）";
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  /* A comment on selected words: the selection inside the title or body gives the field, the offsets
     (the highlighted text is exactly the field's text) and the quote. */
  function setupNotes() {
    var button = document.getElementById("note-button");
    var list = document.getElementById("note-list");
    if (!button || !list) { return; }
    var chosen = null;
    function docOf(node) {
      var element = node && (node.nodeType === 1 ? node : node.parentElement);
      return element && element.closest(".review-text .doc-title, .review-text .doc-body");
    }
    function offset(doc, node, at) {
      var range = document.createRange();
      range.setStart(doc, 0);
      range.setEnd(node, at);
      return range.toString().length;
    }
    document.addEventListener("selectionchange", function () {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || !selection.rangeCount) { return; }
      var range = selection.getRangeAt(0);
      var doc = docOf(range.startContainer);
      if (!doc || docOf(range.endContainer) !== doc) { return; }
      var start = offset(doc, range.startContainer, range.startOffset);
      var end = offset(doc, range.endContainer, range.endOffset);
      if (end <= start) { return; }
      chosen = { field: doc.classList.contains("doc-title") ? "title" : "body", start: start, end: end,
                 quote: doc.textContent.slice(start, end) };
      button.disabled = false;
      button.textContent = "对选中的“" + (chosen.quote.length > 12 ? chosen.quote.slice(0, 12) + "…" : chosen.quote) + "”提意见";
    });
    function hidden(name, value) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      input.setAttribute("form", "level-form");
      return input;
    }
    button.addEventListener("click", function () {
      if (!chosen) { return; }
      var index = list.children.length + 1;
      while (document.querySelector("[name=note_comment_" + index + "]")) { index += 1; }
      var item = document.createElement("li");
      item.className = "text-note";
      var quote = document.createElement("blockquote");
      quote.textContent = "“" + chosen.quote + "”";
      item.appendChild(quote);
      ["field", "start", "end", "quote"].forEach(function (key) { item.appendChild(hidden("note_" + key + "_" + index, chosen[key])); });
      var gateLabel = document.createElement("label");
      gateLabel.textContent = "关口 ";
      var gate = document.querySelector("#note-gate-template").cloneNode(true);
      gate.removeAttribute("id");
      gate.hidden = false;
      gate.name = "note_gate_" + index;
      gate.setAttribute("form", "level-form");
      gateLabel.appendChild(gate);
      item.appendChild(gateLabel);
      var commentLabel = document.createElement("label");
      commentLabel.textContent = "意见 ";
      var comment = document.createElement("textarea");
      comment.name = "note_comment_" + index;
      comment.rows = 2;
      comment.maxLength = 2000;
      comment.setAttribute("form", "level-form");
      commentLabel.appendChild(comment);
      item.appendChild(commentLabel);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "linklike small";
      remove.textContent = "删除这条意见";
      remove.addEventListener("click", function () { item.remove(); count(); });
      item.appendChild(remove);
      list.appendChild(item);
      count();
      comment.focus();
      item.scrollIntoView({ block: "center" });
      chosen = null;
      button.disabled = true;
      button.textContent = "对选中的文字提意见";
    });
    function count() {
      var counter = document.getElementById("note-count");
      if (counter) { counter.textContent = list.children.length + " 条"; }
    }
  }

  /* A refused level shows its errors on the gates they concern: bring the first into view. */
  function setupErrors() {
    var error = document.querySelector(".gate .form-error[role=alert], #level-error");
    if (error && !document.querySelector("[autofocus]")) { error.scrollIntoView({ block: "center" }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupFindingActions();
    setupReuseReasons();
    setupLevelButton();
    setupNotes();
    setupErrors();
  });
}());
