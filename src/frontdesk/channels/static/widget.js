/* frontdesk chat widget: <script src="https://desk.example/widget.js" data-key="fd_pub_..." async></script>
   Talks to the agent through POST /api/v1/chat with the page's publishable key. No build step. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[data-key][src*="widget.js"]');
  if (!script || !script.getAttribute("data-key") || window.__frontdeskWidget) return;
  window.__frontdeskWidget = true;
  var key = script.getAttribute("data-key");
  var api = new URL(script.src, location.href).origin + "/api/v1/chat";
  var pageLang = (script.getAttribute("data-lang") || document.documentElement.lang || "en").toLowerCase();
  var lang = pageLang.indexOf("es") === 0 ? "es" : "en";
  var T = {
    en: { open: "Chat with us", close: "Close chat", title: "Chat with us", label: "Your message",
      placeholder: "Type a message…", send: "Send", you: "You", desk: "Front desk",
      error: "Sorry, the message could not be sent. Please try again." },
    es: { open: "Chatea con nosotros", close: "Cerrar el chat", title: "Chatea con nosotros",
      label: "Tu mensaje", placeholder: "Escribe un mensaje…", send: "Enviar", you: "Tú",
      desk: "Recepción", error: "Lo sentimos, no se pudo enviar el mensaje. Inténtalo de nuevo." }
  }[lang];
  var store = "frontdesk-chat:" + key.slice(0, 16);
  var saved = {};
  try { saved = JSON.parse(sessionStorage.getItem(store) || "{}"); } catch (e) { saved = {}; }
  saved.lines = saved.lines || [];
  function save() {
    saved.lines = saved.lines.slice(-60);
    try { sessionStorage.setItem(store, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }

  var host = document.createElement("div");
  host.setAttribute("data-frontdesk-widget", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font:15px/1.4 system-ui,sans-serif}" +
    ".bubble{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#1f4fd8;color:#fff;font-size:26px;cursor:pointer;box-shadow:0 2px 8px #0004;z-index:2147483000}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:min(360px,calc(100vw - 40px));height:min(480px,calc(100vh - 120px));" +
    "display:flex;flex-direction:column;background:#fff;color:#111;border-radius:12px;box-shadow:0 4px 24px #0005;z-index:2147483000}" +
    ".panel[hidden]{display:none}header{display:flex;justify-content:space-between;align-items:center;" +
    "padding:10px 14px;background:#1f4fd8;color:#fff;border-radius:12px 12px 0 0}h2{margin:0;font-weight:600}" +
    "header button{background:none;border:0;color:#fff;font-size:22px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:85%;padding:8px 11px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".me{align-self:flex-end;background:#1f4fd8;color:#fff}.desk{align-self:flex-start;background:#eef1f6}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #ddd}" +
    "input{flex:1;padding:8px;border:1px solid #999;border-radius:8px}" +
    "form button{padding:8px 12px;border:0;border-radius:8px;background:#1f4fd8;color:#fff;cursor:pointer}" +
    ":focus-visible{outline:3px solid #f5a623;outline-offset:2px}" +
    "</style>" +
    '<div class="panel" id="panel" role="dialog" aria-labelledby="title" hidden>' +
    '<header><h2 id="title"></h2><button type="button" class="close">×</button></header>' +
    '<div class="log" role="log" aria-live="polite" aria-relevant="additions"></div>' +
    '<form><label class="sr" for="input"></label><input id="input" autocomplete="off" maxlength="2000">' +
    '<button type="submit" class="send"></button></form></div>' +
    '<button type="button" class="bubble" aria-controls="panel" aria-expanded="false">' +
    // An icon drawn here, not an emoji: a machine without an emoji font would show a box.
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false">' +
    '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/>' +
    '</svg></button>';
  function $(sel) { return root.querySelector(sel); }
  var bubble = $(".bubble"), panel = $(".panel"), log = $(".log"), form = $("form"),
    input = $("input"), closeBtn = $(".close"), sendBtn = $(".send");
  bubble.setAttribute("aria-label", T.open);
  closeBtn.setAttribute("aria-label", T.close);
  $("h2").textContent = T.title;
  $("label").textContent = T.label;
  input.placeholder = T.placeholder;
  sendBtn.textContent = T.send;

  function show(role, text) {
    var line = document.createElement("div");
    line.className = "msg " + (role === "user" ? "me" : "desk");
    var who = document.createElement("span");
    who.className = "sr";
    who.textContent = (role === "user" ? T.you : T.desk) + ": ";
    line.appendChild(who);
    line.appendChild(document.createTextNode(text));
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }
  saved.lines.forEach(function (l) { show(l.role, l.text); });

  function setOpen(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    (open ? input : bubble).focus();
  }
  bubble.addEventListener("click", function () { setOpen(panel.hidden); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || input.disabled) return;
    input.value = "";
    show("user", text);
    saved.lines.push({ role: "user", text: text });
    save();
    input.disabled = sendBtn.disabled = true;
    var body = { message: text, lang: lang };
    if (saved.session_id) body.session_id = saved.session_id;
    fetch(api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + key },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (out) {
      saved.session_id = out.session_id;
      saved.conversation_id = out.conversation_id;
      saved.lines.push({ role: "assistant", text: out.reply });
      save();
      show("assistant", out.reply);
    }).catch(function () {
      show("assistant", T.error);
    }).then(function () {
      input.disabled = sendBtn.disabled = false;
      input.focus();
    });
  });
  (document.body || document.documentElement).appendChild(host);
})();
