/* 政务新媒体发布前审核助手: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* Segments come from the server (already split at finding boundaries); only text nodes are built. */
  function renderSegments(container, segments) {
    container.textContent = "";
    segments.forEach(function (seg) {
      if (!seg.severity) {
        container.appendChild(document.createTextNode(seg.text));
        return;
      }
      var mark = el("mark", "hl sev-" + seg.severity, seg.text);
      mark.title = seg.tip;
      if (seg.anchor) { mark.id = seg.anchor; }
      mark.tabIndex = 0;
      mark.setAttribute("role", "button");
      mark.setAttribute("aria-haspopup", "dialog");
      mark.setAttribute("data-tip", seg.tip);
      container.appendChild(mark);
    });
  }

  /* 采用建议 and 在文本框中定位 (the editor's list): the span and its text travel with the buttons, so a
     click can check that the text box still holds those words there (review.js does the work). */
  function findingActions(f) {
    var box = el("div", "finding-actions");
    box.setAttribute("data-field", f.field || "body");
    box.setAttribute("data-start", f.start);
    box.setAttribute("data-end", f.end);
    box.setAttribute("data-text", f.text);
    (f.replacements || []).forEach(function (r) {
      var apply = el("button", "apply-suggestion", "采用“" + r + "”");
      apply.type = "button";
      apply.setAttribute("data-replacement", r);
      box.appendChild(apply);
    });
    var jump = el("button", "jump-to", "在文本框中定位");
    jump.type = "button";
    box.appendChild(jump);
    return box;
  }

  function renderFinding(f) {
    var li = el("li", "finding sev-" + f.severity);
    var head = el("div", "finding-head");
    head.appendChild(el("span", "badge sev-" + f.severity, f.severity_name));
    head.appendChild(el("span", "badge status-draft", f.gate_name));
    if (f.field === "title") { head.appendChild(el("span", "badge field-title", "标题")); }
    head.appendChild(el("span", "finding-text", "“" + f.text + "”"));
    li.appendChild(head);
    li.appendChild(el("div", "rule", f.category_name));
    if (f.suggestion) { li.appendChild(el("div", "suggestion", "建议：" + f.suggestion)); }
    if (f.note) { li.appendChild(el("div", "note", f.note)); }
    li.appendChild(findingActions(f));
    return li;
  }

  function showCheck(box, data) {
    box.textContent = "";
    var summary = el("div", "summary");
    summary.appendChild(el("span", "muted", "检测结论："));
    summary.appendChild(el("span", "badge verdict sev-" + data.verdict_class, data.verdict_name));
    summary.appendChild(el("span", "muted small", data.summary));
    box.appendChild(summary);
    data.parts.forEach(function (part) {
      box.appendChild(el("div", "field-label", part.label));
      var doc = el("div", part.field === "title" ? "doc doc-title" : "doc");
      renderSegments(doc, part.segments);
      box.appendChild(doc);
    });
    if (data.findings.length) {
      box.appendChild(el("h3", null, "发现的问题（" + data.findings.length + "）"));
      var list = el("ul", "findings");
      data.findings.forEach(function (f) { list.appendChild(renderFinding(f)); });
      box.appendChild(list);
    } else {
      box.appendChild(el("p", "muted", "未发现问题。提交后仍须经审核员逐关审核。"));
    }
  }

  function setupCheck() {
    var button = document.getElementById("check-button");
    if (!button) { return; }
    var form = button.form;
    var box = document.getElementById("check-result");
    button.addEventListener("click", function () {
      var payload = {
        account_id: (form.querySelector('[name="account_id"]') || {}).value || null,
        kind: (form.querySelector('input[name="kind"]:checked') || {}).value || "post",
        title: form.querySelector('[name="title"]').value,
        body: form.querySelector('[name="body"]').value,
        citizen_message: (form.querySelector('[name="citizen_message"]') || {}).value || ""
      };
      button.disabled = true;
      box.hidden = false;
      box.textContent = "正在检测……";
      fetch(button.getAttribute("data-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(payload)
      }).then(function (response) {
        return response.json().catch(function () {
          return { error: "bad_response", message: "服务器返回了无法识别的内容（" + response.status + "）。" };
        });
      }).then(function (data) {
        if (data.error) {
          box.textContent = "";
          box.appendChild(el("p", "form-error", data.message));
        } else {
          showCheck(box, data);
          bringIntoView(box);
        }
      }).catch(function () {
        box.textContent = "";
        box.appendChild(el("p", "form-error", "网络连接失败，请稍后重试。"));
      }).then(function () { button.disabled = false; });
    });
  }

  /* After 检测 the result is where the user looks: on a phone it sits below the form, out of sight. */
  function bringIntoView(node) {
    var rect = node.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight - 80) { node.scrollIntoView({ block: "start" }); }
  }

  /* A highlight opens its finding (gate, severity, suggestion) on click, tap, Enter or Space, not only
     on hover: phones have no hover and keyboards cannot reach a title tooltip. */
  function setupHighlights() {
    var tip = el("div", "hl-tip");
    tip.id = "hl-tip";
    tip.setAttribute("role", "dialog");
    tip.setAttribute("aria-label", "问题说明");
    tip.hidden = true;
    document.body.appendChild(tip);
    var owner = null;
    function close() {
      tip.hidden = true;
      if (owner) { owner.setAttribute("aria-expanded", "false"); }
      owner = null;
    }
    function open(mark) {
      if (owner === mark && !tip.hidden) { close(); return; }
      close();
      tip.textContent = "";
      mark.getAttribute("data-tip").split("\n").forEach(function (line, i) {
        tip.appendChild(el(i === 0 ? "strong" : "div", null, line));
      });
      var rect = mark.getBoundingClientRect();
      tip.hidden = false;
      var width = Math.min(tip.offsetWidth, window.innerWidth - 16);
      tip.style.left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8)) + window.scrollX + "px";
      tip.style.top = rect.bottom + window.scrollY + 6 + "px";
      owner = mark;
      mark.setAttribute("aria-expanded", "true");
    }
    document.addEventListener("click", function (event) {
      var mark = event.target.closest && event.target.closest("mark.hl[data-tip]");
      if (mark) {
        var selection = window.getSelection();
        if (selection && !selection.isCollapsed && selection.toString().length > 1) { return; }
        open(mark);
      } else if (!tip.contains(event.target)) {
        close();
      }
    });
    document.addEventListener("keydown", function (event) {
      var mark = event.target.closest && event.target.closest("mark.hl[data-tip]");
      if (mark && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); open(mark); }
      if (event.key === "Escape" && owner) { var back = owner; close(); back.focus(); }
    });
  }

  /* Replies carry the citizen's message; posts do not, so its field shows only for replies. */
  function setupKind() {
    var radios = document.querySelectorAll('input[name="kind"]');
    var field = document.getElementById("citizen-field");
    if (!radios.length || !field) { return; }
    function sync() {
      var checked = document.querySelector('input[name="kind"]:checked');
      field.hidden = !(checked && checked.value === "reply");
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  /* One click, one request: a second click while the first is on its way would only earn a 409.
     A form marked data-download answers with a file and never leaves the page, so only a second
     click of the same button is held back there; another button (CSV, then Excel) still downloads. */
  function setupSingleSubmit() {
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
      var pending = {};
      form.addEventListener("submit", function (event) {
        var key = "*";
        if (form.hasAttribute("data-download")) {
          key = event.submitter ? (event.submitter.name + "=" + event.submitter.value) : "";
        }
        if (pending["*"] || pending[key]) { event.preventDefault(); return; }
        pending[key] = true;
        window.setTimeout(function () { delete pending[key]; }, 4000);
      });
    });
  }

  /* A short hash shows its whole value on hover (title) and copies it on click. */
  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var full = button.getAttribute("data-copy");
        var code = button.querySelector("code");
        if (code) { code.textContent = full; }
        button.classList.add("expanded");
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(full).then(function () { button.setAttribute("data-copied", "1"); },
                                                   function () {});
        }
      });
    });
  }

  /* A form answered with its error (re-rendered with role=alert) brings that error into view; the
     field to fill carries autofocus, which also scrolls to it when this file is not loaded. */
  function setupErrorInView() {
    var error = document.querySelector("form .form-error[role=alert]");
    if (error && error.scrollIntoView) { error.scrollIntoView({ block: "center" }); }
  }

  /* Clicking a finding in a list flashes its highlight in the text. */
  function setupFocus() {
    document.querySelectorAll("a[data-focus]").forEach(function (link) {
      link.addEventListener("click", function () {
        var target = document.getElementById(link.getAttribute("data-focus"));
        if (!target) { return; }
        target.classList.add("focus");
        window.setTimeout(function () { target.classList.remove("focus"); }, 1600);
      });
    });
  }

  /* An inspection's progress: poll its JSON status, show the rows read, reload once it has finished. */
  function setupJobProgress() {
    var box = document.getElementById("job-progress");
    if (!box) { return; }
    var url = box.getAttribute("data-status-url");
    var bar = document.getElementById("job-bar");
    var rows = document.getElementById("job-rows");
    function show(data) {
      if (data.error) { rows.textContent = data.message; return; }
      if (data.finished) { window.location.reload(); return; }
      var badge = document.querySelector("#job-status .badge");
      if (badge) { badge.className = "badge job-" + data.status; badge.textContent = data.status_name; }
      document.getElementById("job-heading").textContent = data.status === "queued" ? "等待检查" : "正在检查";
      if (data.status === "queued") {
        rows.textContent = "排队等待检查…";
      } else {
        rows.textContent = "已读取 " + data.rows_done + (data.rows_total ? " / " + data.rows_total : "") + " 行";
      }
      if (data.percent !== null && data.percent !== undefined) { bar.value = data.percent; }
      window.setTimeout(poll, 1500);
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(show)
        .catch(function () {
          rows.textContent = "暂时无法获取进度，稍后自动重试……";
          window.setTimeout(poll, 5000);
        });
    }
    window.setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupJobProgress();
    setupKind();
    setupCheck();
    setupSingleSubmit();
    setupFocus();
    setupCopy();
    setupErrorInView();
    setupHighlights();
  });
}());
