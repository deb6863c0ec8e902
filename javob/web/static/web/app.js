// The agent workspace's behaviour: live updates over /ws/agent/, presence, notifications,
// keyboard shortcuts and the composer. Vanilla JS and htmx; no build step.
(function () {
  "use strict";
  const script = document.currentScript;
  const me = Number(script.dataset.agentId);
  const text = script.dataset;
  const rows = document.getElementById("rows");
  const conversation = document.getElementById("conversation");
  const openId = conversation ? Number(conversation.dataset.id) : null;

  // ---- The websocket: reconnects with backoff; every event is a small JSON message. ----
  let socket = null;
  let retry = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/ws/agent/");
    socket.onopen = function () {
      retry = 1000;
      document.body.dataset.live = "on";
      if (openId) { send({ type: "viewing", conversation_id: openId }); }
      // A visitor's presence may have changed while this socket was not there to hear it.
      if (document.getElementById("visitor-presence")) { htmx.trigger("#visitor-presence", "refresh"); }
    };
    socket.onmessage = function (message) {
      const data = JSON.parse(message.data);
      handle(data.event, data.payload || {});
    };
    socket.onclose = function () {
      document.body.dataset.live = "off";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(data)); }
  }

  function handle(event, payload) {
    const c = payload.conversation || {};
    if (event === "presence") { return showPresence(payload); }
    if (event === "visitor.typing") { return showVisitorTyping(payload); }
    if (event === "visitor.presence") { return showVisitorPresence(payload); }
    if (rows && c.id) { refreshRow(c.id, event === "conversation.removed"); refreshCounts(); }
    if (openId && c.id === openId) { refreshConversation(event, payload); }
    if (event === "message.created") { notify(c, payload.message || {}); }
    if (event === "mention") { notifyMention(c, payload.author || {}); }
  }

  // ---- The list: fetch the one row that changed; the server says whether it still belongs. ----
  function refreshRow(id, removed) {
    const existing = document.getElementById("conv-" + id);
    if (removed) { if (existing) { existing.remove(); } return; }
    const query = rows.dataset.query ? "?" + rows.dataset.query : "";
    fetch("/inbox/" + rows.dataset.view + "/row/" + id + query, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        const current = document.getElementById("conv-" + id);
        if (!html.trim()) { if (current) { current.remove(); } return; }
        const holder = document.createElement("ul");
        holder.innerHTML = html;
        const row = holder.firstElementChild;
        const wasChecked = current && current.querySelector("input[type=checkbox]").checked;
        if (current) { current.remove(); }
        row.querySelector("input[type=checkbox]").checked = Boolean(wasChecked);
        if (place(row)) { htmx.process(row); removeEmptyNote(); }
      });
  }
  // Newest activity first: before the first older row; after the last row only when every
  // page is loaded (otherwise the row belongs to a page not fetched yet).
  function place(row) {
    if (rows.dataset.sort === "sla") { return placeByDue(row); }
    const when = Date.parse(row.dataset.activity);
    const older = Array.from(rows.querySelectorAll(".conv")).find(function (other) {
      return Date.parse(other.dataset.activity) < when;
    });
    if (older) { rows.insertBefore(row, older); return true; }
    if (rows.querySelector(".more")) { return false; }
    rows.append(row);
    return true;
  }
  // Sorted by SLA due time: before the first row due later (rows without a target come last).
  function placeByDue(row) {
    const due = row.dataset.due ? Date.parse(row.dataset.due) : Infinity;
    const later = Array.from(rows.querySelectorAll(".conv")).find(function (other) {
      return (other.dataset.due ? Date.parse(other.dataset.due) : Infinity) > due;
    });
    if (later) { rows.insertBefore(row, later); return true; }
    if (rows.querySelector(".more")) { return false; }
    rows.append(row);
    return true;
  }
  let countsTimer = null;
  function refreshCounts() { // at most once a second, however busy the inbox is
    if (countsTimer) { return; }
    countsTimer = setTimeout(function () { countsTimer = null; htmx.trigger("#views", "refresh"); }, 1000);
  }
  function removeEmptyNote() {
    const empty = document.querySelector(".list-pane .empty");
    if (empty) { empty.remove(); }
  }

  // ---- The open conversation ----
  function refreshConversation(event, payload) {
    if (event === "conversation.merged" && payload.target_id) {
      location.href = "/conversations/" + payload.target_id + "/";
      return;
    }
    htmx.trigger("#timeline", "refresh");
    if (event !== "message.created") { htmx.trigger("#panel", "refresh"); }
    if (event === "conversation.updated" && payload.conversation) {
      conversation.dataset.assignee = payload.conversation.assignee_id || "";
    }
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "timeline") { scrollToEnd(); }
  });
  function scrollToEnd() {
    const composer = document.getElementById("composer");
    if (composer) { composer.scrollIntoView({ block: "end" }); }
  }

  // ---- Presence: who else is viewing or typing here. Entries expire unless renewed. ----
  const present = new Map();
  function showPresence(payload) {
    if (!openId || payload.conversation_id !== openId || payload.agent_id === me) { return; }
    const ttl = payload.state === "typing" ? 6000 : 45000;
    if (payload.state === "left") { present.delete(payload.agent_id); }
    else { present.set(payload.agent_id, { name: payload.name, state: payload.state, until: Date.now() + ttl }); }
    renderPresence();
  }
  // The web-chat visitor typing in the open conversation (key 0: never an agent id).
  function showVisitorTyping(payload) {
    if (!openId || payload.conversation_id !== openId) { return; }
    if (!payload.typing) { present.delete(0); }
    else { present.set(0, { name: payload.name || text.textVisitor, state: "typing", until: Date.now() + 6000 }); }
    renderPresence();
  }
  // The web-chat visitor came to the page or left it: the row and the page header are
  // rendered again by the server (in the agent's language and time zone).
  function showVisitorPresence(payload) {
    const id = payload.conversation_id;
    if (rows && id && document.getElementById("conv-" + id)) { refreshRow(id, false); }
    if (openId && id === openId) { htmx.trigger("#visitor-presence", "refresh"); }
  }
  function renderPresence() {
    const box = document.getElementById("presence");
    if (!box) { return; }
    const now = Date.now();
    const parts = [];
    present.forEach(function (entry, id) {
      if (entry.until < now) { present.delete(id); return; }
      parts.push(entry.name + " " + (entry.state === "typing" ? text.textTyping : text.textViewing));
    });
    box.textContent = parts.join(" · ");
  }
  if (openId) {
    setInterval(function () { send({ type: "viewing", conversation_id: openId }); renderPresence(); }, 20000);
    window.addEventListener("pagehide", function () { send({ type: "left", conversation_id: openId }); });
  }

  // ---- Browser notifications for new customer messages in conversations assigned to me ----
  const notifyButton = document.getElementById("notify-enable");
  if ("Notification" in window && Notification.permission === "default" && notifyButton) {
    notifyButton.hidden = false;
    notifyButton.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notifyButton.hidden = true; });
    });
  }
  function notify(c, message) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    if (c.assignee_id !== me || message.direction !== "incoming") { return; }
    if (document.visibilityState === "visible" && c.id === openId) { return; }
    const note = new Notification(text.textNewMessage + " #" + c.number, { body: (message.text || "").slice(0, 140), tag: "conv-" + c.id });
    note.onclick = function () { window.focus(); location.href = "/conversations/" + c.id + "/"; };
  }
  // The server sends `mention` only to the agent named in a note they may see.
  function notifyMention(c, author) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    if (document.visibilityState === "visible" && c.id === openId) { return; }
    const note = new Notification(text.textMentioned + " #" + c.number, { body: author.name || "", tag: "mention-" + c.id });
    note.onclick = function () { window.focus(); location.href = "/conversations/" + c.id + "/"; };
  }

  // ---- The composer: reply or note, Ctrl+Enter sends, typing is announced, `/` seam ----
  const composer = document.getElementById("composer");
  const textarea = composer ? composer.querySelector("textarea") : null;
  function setMode(mode) {
    composer.querySelector("input[value=" + mode + "]").checked = true;
    composer.classList.toggle("note-mode", mode === "note");
    textarea.placeholder = mode === "note" ? textarea.dataset.notePlaceholder : textarea.dataset.replyPlaceholder;
    textarea.focus();
  }
  if (composer) {
    textarea.dataset.replyPlaceholder = textarea.placeholder;
    composer.addEventListener("change", function (event) {
      if (event.target.name === "mode") { setMode(event.target.value); }
    });
    let lastTyping = 0;
    textarea.addEventListener("input", function () {
      if (Date.now() - lastTyping > 3000) {
        lastTyping = Date.now();
        send({ type: "typing", conversation_id: openId });
      }
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        composer.requestSubmit();
      } else if (event.key === "/" && textarea.selectionStart === 0 && composer.dataset.cannedUrl) {
        // Canned responses: the automation app provides the URL; it answers with an
        // HTML fragment that the picker shows (see docs/agent-ui.md).
        event.preventDefault();
        openCanned(composer.dataset.cannedUrl);
      }
    });
    smsCounter(document.getElementById("sms-count"));
    scrollToEnd();
  }
  // SMS conversations: the server counts the segments (GSM-7 or UCS-2) as the agent types.
  function smsCounter(output) {
    if (!output) { return; }
    let timer = 0;
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(output.dataset.url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ text: textarea.value }),
        }).then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { output.textContent = data && data.segments ? data.label : ""; });
      }, 250);
    });
  }
  function openCanned(url) {
    const box = document.getElementById("canned") || document.createElement("div");
    box.id = "canned";
    box.className = "card";
    composer.prepend(box);
    htmx.ajax("GET", url, { target: "#canned", swap: "innerHTML" });
  }
  // A canned-response picker inserts its text with this event.
  document.body.addEventListener("javob:insert", function (event) {
    if (!textarea) { return; }
    const at = textarea.selectionStart;
    textarea.setRangeText(event.detail.text, at, textarea.selectionEnd, "end");
    const box = document.getElementById("canned");
    if (box) { box.remove(); }
    textarea.focus();
  });

  // The picker (automation/canned_picker.html): a click counts one use and inserts the body
  // the server rendered for this conversation.
  function csrf() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function postForm(url, fields) {
    const body = new URLSearchParams(fields);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
  }
  document.body.addEventListener("click", function (event) {
    const choice = event.target.closest(".canned-choice");
    const picker = event.target.closest(".canned-picker");
    if (choice && picker) {
      const url = picker.dataset.useUrl.replace("/0/", "/" + choice.dataset.cannedId + "/");
      postForm(url, { conversation: picker.dataset.conversation })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data) { document.body.dispatchEvent(new CustomEvent("javob:insert", { detail: { text: data.body } })); }
        });
    } else if (event.target.closest("[data-canned-close]")) {
      closeCanned();
    }
  });
  document.body.addEventListener("keydown", function (event) {
    if (!event.target.closest(".canned-picker")) { return; }
    if (event.key === "Escape") { event.preventDefault(); closeCanned(); }
    else if (event.key === "Enter" && event.target.id === "canned-q") {
      event.preventDefault();
      const first = document.querySelector("#canned .canned-choice");
      if (first) { first.click(); }
    }
  });
  function closeCanned() {
    const box = document.getElementById("canned");
    if (box) { box.remove(); }
    if (textarea) { textarea.focus(); }
  }
  // After settling, when htmx has bound the field's own triggers: focused earlier, the first
  // letters typed could reach a field that does not search yet.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const search = event.target.id === "canned" && document.getElementById("canned-q");
    if (search) { search.focus(); }
  });

  // ---- Macros: apply one; the events it causes refresh the page over the websocket ----
  document.body.addEventListener("submit", function (event) {
    const form = event.target.closest(".macro-apply");
    if (!form) { return; }
    event.preventDefault();
    postForm(form.action, new FormData(form)).then(function (response) {
      return response.json().then(function (data) {
        const error = document.getElementById("macro-error");
        if (error) { error.hidden = !data.error; error.textContent = data.error || ""; }
        if (response.ok) { htmx.trigger("#timeline", "refresh"); htmx.trigger("#panel", "refresh"); }
      });
    });
  });

  // ---- The macro picker (m): type to filter, arrows move, Enter applies, Esc closes ----
  // A listbox of the panel's macros; Enter submits the macro's own form, the same POST as a click.
  function macroOptions() {
    return Array.from(document.querySelectorAll("#macro-options [role=option]")).filter(function (o) { return !o.hidden; });
  }
  function markMacro(option) {
    const input = document.getElementById("macro-q");
    document.querySelectorAll("#macro-options [role=option]").forEach(function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
      o.classList.toggle("current", o === option);
    });
    if (option) { input.setAttribute("aria-activedescendant", option.id); option.scrollIntoView({ block: "nearest" }); }
    else { input.removeAttribute("aria-activedescendant"); }
  }
  function filterMacros() {
    const words = document.getElementById("macro-q").value.trim().toLowerCase();
    document.querySelectorAll("#macro-options [role=option]").forEach(function (o) {
      o.hidden = words !== "" && !o.textContent.toLowerCase().includes(words);
    });
    const shown = macroOptions();
    document.getElementById("macro-none").hidden = shown.length > 0;
    markMacro(shown[0] || null);
  }
  // The picker lives in the panel: a refresh arriving while it is open would replace it under
  // the agent's typing, so that refresh is dropped and made again once the picker closes.
  let panelStale = false;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const picker = document.getElementById("macro-picker");
    if (event.detail.target.id === "panel" && picker && picker.open) {
      event.detail.shouldSwap = false;
      panelStale = true;
    }
  });
  let beforeMacros = null;
  function openMacros() {
    const picker = document.getElementById("macro-picker");
    if (!picker || picker.open) { return; }
    beforeMacros = document.activeElement;
    document.getElementById("macro-q").value = "";
    filterMacros();
    picker.showModal();
    document.getElementById("macro-q").focus();
  }
  function closeMacros() {
    const picker = document.getElementById("macro-picker");
    if (picker && picker.open) {
      picker.close();
      // Take the focus out of the closed picker now: left to the browser, the hidden field keeps
      // it for a moment and the next shortcut key is taken for typing.
      if (beforeMacros && beforeMacros !== document.body && document.contains(beforeMacros)) { beforeMacros.focus(); }
      // The element may not take the focus back (it sits in another closed dialog, say).
      if (picker.contains(document.activeElement)) { document.activeElement.blur(); }
      beforeMacros = null;
    }
    if (panelStale) { panelStale = false; htmx.trigger("#panel", "refresh"); }
  }
  document.body.addEventListener("input", function (event) {
    if (event.target.id === "macro-q") { filterMacros(); }
  });
  document.body.addEventListener("keydown", function (event) {
    if (event.target.id !== "macro-q") { return; }
    const shown = macroOptions();
    const active = document.getElementById(event.target.getAttribute("aria-activedescendant") || "");
    const at = shown.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown.length) { return; }
      const step = event.key === "ArrowDown" ? 1 : -1;
      markMacro(shown[Math.max(0, Math.min(shown.length - 1, at + step))]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (at < 0) { return; }
      const form = document.getElementById(shown[at].dataset.form);
      closeMacros();
      if (form) { form.requestSubmit(); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeMacros();
    }
  });
  document.body.addEventListener("click", function (event) {
    const option = event.target.closest("#macro-options [role=option]");
    if (!option) { return; }
    const form = document.getElementById(option.dataset.form);
    closeMacros();
    if (form) { form.requestSubmit(); }
  });

  // ---- Bulk selection ----
  const selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll("#rows input[name=ids]").forEach(function (box) { box.checked = selectAll.checked; });
    });
  }

  // ---- Keyboard shortcuts (ignored while typing in a field) ----
  let current = -1;
  let pendingG = false;
  function listRows() { return Array.from(document.querySelectorAll("#rows .conv")); }
  function move(step) {
    const all = listRows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, current + step));
    all.forEach(function (row) { row.classList.remove("current"); });
    all[current].classList.add("current");
    all[current].querySelector(".conv-link").focus();
  }
  function typing(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }
  const keys = {
    j: function () { move(1); },
    k: function () { move(-1); },
    x: function () { const row = listRows()[current]; if (row) { const box = row.querySelector("input"); box.checked = !box.checked; } },
    r: function () { if (composer) { setMode("reply"); } },
    n: function () { if (composer) { setMode("note"); } },
    a: function () { const select = document.getElementById("assignee-select"); if (select) { select.focus(); } },
    e: function () { const form = document.getElementById("resolve-form"); if (form) { form.requestSubmit(); } },
    m: openMacros,
    "?": function () { const dialog = document.getElementById("shortcuts"); if (dialog) { dialog.showModal(); } },
  };
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (pendingG) {
      pendingG = false;
      if (event.key === "i") { location.href = "/inbox/"; }
      return;
    }
    if (event.key === "g") { pendingG = true; return; }
    const action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });
  document.querySelectorAll("[data-open-dialog]").forEach(function (button) {
    button.addEventListener("click", function () { document.getElementById(button.dataset.openDialog).showModal(); });
  });

  // Copy buttons (e.g. the web chat's embed snippet): data-copy names the field to copy.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const field = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });

  // Phones start with the views menu folded.
  if (window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll(".views details").forEach(function (d) { d.open = false; });
  }

  connect();
})();
