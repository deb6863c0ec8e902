/* Javob web chat widget. Embed with:
 *   <script src="https://YOUR-JAVOB/static/webchat/widget.js" data-inbox="PUBLIC_ID" async></script>
 * Optional, before it: window.javobChat = {identity: {id, email, name, hash}} (hash computed by
 * your backend: hex HMAC-SHA256 of "id" or "id|email" with the inbox's identity secret).
 * Everything the visitor sees is text nodes: nothing received is ever parsed as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.inbox || window.__javobChat) return;
  window.__javobChat = true;
  var inbox = script.dataset.inbox;
  var base = new URL(script.src, location.href).origin;
  var api = base + "/widget/" + encodeURIComponent(inbox) + "/";
  var storeKey = "javob-chat:" + inbox;
  var options = window.javobChat || {};

  var saved = load();
  var state = {
    token: saved.token || "",
    outbox: saved.outbox || [],
    data: null,
    socket: null,
    retry: 0,
    open: false,
    seen: {},
    lastTyping: 0,
    typingTimer: null,
    pingTimer: null,
  };

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function persist() {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ token: state.token, outbox: state.outbox }));
    } catch (e) { /* private mode: the chat still works for this page */ }
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function t(name, values) {
    var text = (state.data && state.data.strings[name]) || name;
    Object.keys(values || {}).forEach(function (k) {
      text = text.replace("%(" + k + ")s", values[k]);
    });
    return text;
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function request(path, body, isForm) {
    var headers = { "X-Javob-Visitor": state.token };
    if (!isForm) headers["Content-Type"] = "application/json";
    return fetch(api + path, {
      method: "POST", mode: "cors", credentials: "omit", headers: headers,
      body: isForm ? body : JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { var error = new Error(data.detail); error.data = data; throw error; }
        return data;
      });
    });
  }

  /* ---- the page ---------------------------------------------------------------------- */
  var host = el("div", { id: "javob-chat" });
  var root = host.attachShadow({ mode: "open" });
  var style = el("link", { rel: "stylesheet", href: base + "/static/webchat/widget.css" });
  // Icons are inline SVG: a page's fonts may have no emoji.
  function icon(path) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    svg.appendChild(shape);
    return svg;
  }
  var BUBBLE = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var CLIP = "M16.5 6.5l-7.8 7.8a1.5 1.5 0 0 0 2.1 2.1l7.4-7.4a3 3 0 0 0-4.2-4.2l-7.8 7.8a4.5 4.5 0 0 0 6.4 6.4l6.3-6.3";
  var launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false" });
  launcher.appendChild(icon(BUBBLE));
  var panel = el("section", { class: "panel", hidden: "", role: "dialog" });
  var title = el("h2", { class: "title" });
  var headerAvatar = el("span", { class: "header-avatar", hidden: "" });
  var agentsLine = el("span", { class: "agents", hidden: "" });
  var closeButton = el("button", { class: "close", type: "button", text: "\u00D7" });
  var botBar = el("div", { class: "bot", hidden: "" });
  var notice = el("div", { class: "notice", hidden: "", role: "status" });
  var list = el("ol", { class: "messages", "aria-live": "polite" });
  var typingLine = el("div", { class: "typing", "aria-live": "polite" });
  var form = el("form", { class: "prechat", hidden: "" });
  var composer = el("form", { class: "composer" });
  var input = el("textarea", { rows: "1", maxlength: "10000" });
  var fileInput = el("input", { type: "file", hidden: "", accept: "image/*,application/pdf,text/plain,application/zip" });
  var attach = el("button", { class: "attach", type: "button" });
  attach.appendChild(icon(CLIP));
  var send = el("button", { class: "send", type: "submit" });
  var footer = el("div", { class: "footer" });
  var transcriptButton = el("button", { type: "button", class: "link" });

  composer.append(attach, fileInput, input, send);
  footer.append(transcriptButton);
  panel.append(
    el("header", {}, [headerAvatar, title, agentsLine, closeButton]), botBar, notice, list, typingLine, form, composer, footer
  );
  root.append(style, launcher, panel);

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  launcher.addEventListener("click", function () { toggle(!state.open); });
  closeButton.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });

  function toggle(open) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      start().then(function () { input.focus(); markRead(); });
    } else {
      launcher.focus();
    }
  }

  /* ---- the session ------------------------------------------------------------------- */
  var started = null;
  function start() {
    if (started) return started;
    started = request("session", {
      token: state.token,
      languages: navigator.languages || [navigator.language],
      identity: options.identity || null,
    }).then(function (data) {
      state.data = data;
      state.token = data.token;
      persist();
      render();
      (data.history || []).forEach(addMessage);
      state.outbox.forEach(function (item) { addMessage({ client_id: item.client_id, mine: true, text: item.text, pending: true }); });
      connect();
    }).catch(function (error) {
      started = null;
      showNotice(error.message);
    });
    return started;
  }

  function render() {
    var data = state.data;
    launcher.setAttribute("aria-label", t("open"));
    panel.setAttribute("aria-label", t("title"));
    title.textContent = t("title");
    closeButton.setAttribute("aria-label", t("close"));
    input.setAttribute("placeholder", t("placeholder"));
    input.setAttribute("aria-label", t("placeholder"));
    send.textContent = t("send");
    attach.setAttribute("aria-label", t("attach"));
    transcriptButton.textContent = t("transcript");
    list.replaceChildren(el("li", { class: "greeting", text: data.greeting }));
    renderBot(data.bot_active);
    if (!data.schedule.open) {
      var when = data.schedule.back_text ? " " + t("back_at", { when: data.schedule.back_text }) : "";
      showNotice(t("offline") + when + " " + t("leave_email"));
    }
    renderForm();
  }

  function renderBot(active) {
    botBar.hidden = !active;
    botBar.replaceChildren(
      el("span", { text: t("bot") }),
      el("button", { type: "button", class: "link", text: t("person"), onclick: handover })
    );
  }

  function showNotice(text) { notice.textContent = text; notice.hidden = !text; }

  function fieldsToAsk() {
    var data = state.data;
    var wanted = Object.keys(data.prechat).filter(function (f) { return data.prechat[f] !== "off"; });
    if (!data.schedule.open && wanted.indexOf("email") < 0) wanted.push("email");
    return wanted.filter(function (f) { return !data.visitor[f]; });
  }

  function renderForm() {
    var data = state.data;
    var fields = fieldsToAsk();
    var blocking = data.missing.length > 0 || (!data.schedule.open && !data.visitor.email);
    form.hidden = fields.length === 0 || !blocking && data.history.length > 0;
    composer.hidden = blocking;
    if (form.hidden) return;
    var inputs = {};
    form.replaceChildren();
    fields.forEach(function (name) {
      var required = data.prechat[name] === "required" || (name === "email" && !data.schedule.open);
      var field = el("input", {
        name: name, type: name === "email" ? "email" : name === "phone" ? "tel" : "text",
        autocomplete: name === "name" ? "name" : name,
      });
      if (required) field.required = true;
      inputs[name] = field;
      form.appendChild(el("label", {}, [
        el("span", { text: t(name) + (required ? " (" + t("required") + ")" : "") }), field,
      ]));
    });
    var error = el("p", { class: "error", role: "alert" });
    form.append(error, el("button", { type: "submit", text: data.schedule.open ? t("start") : t("send") }));
    form.onsubmit = function (e) {
      e.preventDefault();
      var body = {};
      Object.keys(inputs).forEach(function (k) { body[k] = inputs[k].value; });
      request("visitor", body).then(function (result) {
        Object.keys(body).forEach(function (k) { if (body[k]) data.visitor[k] = body[k]; });
        data.missing = result.missing;
        if (!data.schedule.open) showNotice(t("saved"));
        renderForm();
        if (!composer.hidden) input.focus();
      }).catch(function (err) {
        error.textContent = err.message;
        var bad = err.data && inputs[err.data.field];
        if (bad) { bad.setAttribute("aria-invalid", "true"); bad.focus(); }
      });
    };
  }

  // Optional details typed but not confirmed go along with the first message; the form
  // then gives way to the conversation.
  function leaveForm() {
    var body = {};
    form.querySelectorAll("input").forEach(function (field) {
      if (field.value.trim()) body[field.name] = field.value.trim();
    });
    form.hidden = true;
    if (Object.keys(body).length) {
      request("visitor", body).then(function () {
        Object.keys(body).forEach(function (k) { state.data.visitor[k] = body[k]; });
      }).catch(function () { /* optional details: the chat goes on without them */ });
    }
  }

  /* ---- messages ---------------------------------------------------------------------- */
  function addMessage(m) {
    var key = m.id ? "id:" + m.id : "c:" + m.client_id;
    var existing = m.client_id && list.querySelector('[data-client="' + cssEscape(m.client_id) + '"]');
    if (state.seen[key] && !existing) return;
    state.seen[key] = true;
    var item = existing || el("li", { class: m.mine ? "mine" : "theirs" });
    item.replaceChildren();
    if (m.client_id) item.setAttribute("data-client", m.client_id);
    if (m.id) { item.setAttribute("data-id", m.id); state.seen["id:" + m.id] = true; }
    if (!m.mine) {
      var who = m.sender === "bot" ? t("bot") : m.agent || t("agent");
      // The agent's avatar: their picture when they have one, else their initial.
      item.appendChild(avatarNode(m.avatar, who));
      if (m.sender === "agent") showHeaderAvatar(m.avatar, who);
      item.appendChild(el("span", { class: "who", text: who }));
    }
    if (m.text) item.appendChild(el("p", { text: m.text }));
    (m.attachments || []).forEach(function (a) { item.appendChild(attachmentNode(a)); });
    if (m.mine) item.appendChild(el("span", { class: "status", text: m.pending ? t("sending") : m.read ? t("read") : "" }));
    if (!existing) list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function avatarNode(key, who) {
    var initial = el("span", { class: "avatar", "aria-hidden": "true", text: who.charAt(0).toUpperCase() });
    if (!key) return initial;
    var img = el("img", { class: "avatar", alt: "", src: api + "avatars/" + encodeURIComponent(key) });
    img.addEventListener("error", function () { img.replaceWith(initial); });
    return img;
  }
  // The header shows who answers: the last agent who wrote.
  function showHeaderAvatar(key, who) {
    headerAvatar.replaceChildren(avatarNode(key, who));
    headerAvatar.hidden = false;
  }

  function cssEscape(value) { return String(value).replace(/[^A-Za-z0-9_-]/g, ""); }

  function attachmentNode(a) {
    var node = el("a", { class: "file", href: "#", text: a.name });
    node.addEventListener("click", function (e) {
      e.preventDefault();
      fetchFile(a).then(function (url) { window.open(url, "_blank", "noopener"); });
    });
    if (a.type.indexOf("image/") === 0) {
      var img = el("img", { alt: a.name });
      fetchFile(a).then(function (url) { img.src = url; });
      node.replaceChildren(img);
    }
    return node;
  }

  var files = {};
  function fetchFile(a) {
    if (!files[a.id]) {
      files[a.id] = fetch(api + "attachments/" + a.id, {
        mode: "cors", credentials: "omit", headers: { "X-Javob-Visitor": state.token },
      }).then(function (r) { return r.blob(); }).then(function (b) { return URL.createObjectURL(b); });
    }
    return files[a.id];
  }

  composer.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    if (!form.hidden) { leaveForm(); }
    var item = { client_id: newId(), text: text };
    state.outbox.push(item);
    persist();
    addMessage({ client_id: item.client_id, mine: true, text: text, pending: true });
    flush();
    typing(false);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); }
  });
  input.addEventListener("input", function () { typing(true); });
  attach.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    if (file.size > 10 * 1024 * 1024) { showNotice(t("too_large")); return; }
    var body = new FormData();
    body.append("client_id", newId());
    body.append("file", file);
    request("messages", body, true).then(function () { /* the agent side shows it; history has it */ })
      .catch(function (err) { showNotice(err.message); });
  });
  transcriptButton.addEventListener("click", function () {
    var email = (state.data && state.data.visitor.email) || window.prompt(t("email")) || "";
    if (!email) return;
    request("transcript", { email: email }).then(function () { showNotice(t("transcript_sent")); })
      .catch(function (err) { showNotice(err.message); });
  });

  function handover() {
    request("handover", {}).then(function () { renderBot(false); showNotice(t("handed_over")); });
  }

  function typing(active) {
    var now = Date.now();
    clearTimeout(state.typingTimer);
    if (active) {
      state.typingTimer = setTimeout(function () { typing(false); }, 3000);
      if (now - state.lastTyping < 1500) return;
      state.lastTyping = now;
    } else {
      state.lastTyping = 0;
    }
    sendJson({ type: "typing", typing: active });
  }

  function markRead() {
    if (!state.open || document.hidden) return;
    var theirs = list.querySelectorAll("li.theirs[data-id]");
    var last = theirs.length && Number(theirs[theirs.length - 1].getAttribute("data-id"));
    if (last) sendJson({ type: "read", up_to: last });
  }
  document.addEventListener("visibilitychange", markRead);
  // The agents see whether the visitor has the page in front of them.
  document.addEventListener("visibilitychange", function () {
    sendJson({ type: "visibility", hidden: document.hidden });
  });

  function renderAgents(agents) {
    if (!agents) return;
    agentsLine.hidden = false;
    agentsLine.className = "agents " + agents;
    agentsLine.textContent = t(agents === "online" ? "agents_online" : "agents_away");
  }

  /* ---- the socket: reconnects, resends what was not acknowledged ----------------------- */
  function connect() {
    var url = base.replace(/^http/, "ws") + "/ws/widget/" + encodeURIComponent(inbox) +
      "/?token=" + encodeURIComponent(state.token);
    var socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = function () {
      state.retry = 0;
      if (document.hidden) sendJson({ type: "visibility", hidden: true });
      showNotice(state.data.schedule.open ? "" : notice.textContent);
      flush();
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(function () { sendJson({ type: "ping" }); }, 25000);
    };
    socket.onmessage = function (e) { receive(JSON.parse(e.data)); };
    socket.onclose = function () {
      clearInterval(state.pingTimer);
      if (state.socket !== socket) return;
      state.socket = null;
      var delay = Math.min(30000, 1000 * Math.pow(2, state.retry++)) * (0.5 + Math.random() / 2);
      if (state.outbox.length) showNotice(t("reconnecting"));
      setTimeout(connect, delay);
    };
  }

  function sendJson(data) {
    if (state.socket && state.socket.readyState === 1) { state.socket.send(JSON.stringify(data)); return true; }
    return false;
  }

  function flush() {
    state.outbox.forEach(function (item) {
      sendJson({ type: "message", client_id: item.client_id, text: item.text });
    });
  }

  function receive(event) {
    var p = event.payload;
    if (event.event === "ack") {
      state.outbox = state.outbox.filter(function (item) { return item.client_id !== p.client_id; });
      persist();
      var node = list.querySelector('[data-client="' + cssEscape(p.client_id) + '"]');
      if (node) {
        node.setAttribute("data-id", p.id);
        state.seen["id:" + p.id] = true;
        var status = node.querySelector(".status");
        if (status) status.textContent = "";
      }
    } else if (event.event === "error") {
      state.outbox = state.outbox.filter(function (item) { return item.client_id !== p.client_id; });
      persist();
      showNotice(p.detail);
      if (p.field && state.data.prechat[p.field]) { state.data.missing = [p.field]; renderForm(); }
    } else if (event.event === "message") {
      typingLine.textContent = "";
      addMessage(p);
      markRead();
      if (!state.open) launcher.classList.add("unread");
    } else if (event.event === "typing") {
      typingLine.textContent = p.typing ? t("typing", { name: p.name || t("agent") }) : "";
    } else if (event.event === "read") {
      list.querySelectorAll("li.mine[data-id]").forEach(function (node) {
        var status = node.querySelector(".status");
        if (status && Number(node.getAttribute("data-id")) <= p.up_to) status.textContent = t("read");
      });
    } else if (event.event === "hello" || event.event === "pong" || event.event === "agents") {
      renderAgents(p.agents);
    } else if (event.event === "bot") {
      renderBot(p.active);
    }
  }

  launcher.addEventListener("click", function () { launcher.classList.remove("unread"); });
  if (state.outbox.length) start();  // messages typed before a reload still go out
})();
