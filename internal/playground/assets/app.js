// app.js is the playground page: it asks /api/state what one person
// sees, draws it with BlockKit, and sends what they do to /api/… (the
// server turns it into signed Slack requests to the bot). A server-sent
// event stream says when to ask again.
"use strict";

(() => {
  const { el, render, mrkdwn, values, plain } = BlockKit;
  const $ = (id) => document.getElementById(id);

  const params = new URLSearchParams(location.hash.slice(1));
  const ui = {
    as: params.get("as") || "U0DEMOLEAD1",
    conv: params.get("c") || "C0DCAPPROV1",
    snap: null,
    modalKey: "",
    seen: {},
    followed: -1,
    fetching: false,
    again: false,
  };

  // api posts JSON and returns the answer; failures are shown.
  async function api(path, body) {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ as: ui.as }, body)),
    });
    let out = {};
    try { out = await res.json(); } catch (e) { out = { error: res.statusText }; }
    if (!res.ok && out.error) toast(out.error);
    refresh();
    return out;
  }

  function toast(msg) {
    const t = el("div", "toast", msg);
    $("toasts").append(t);
    setTimeout(() => t.remove(), 6000);
  }

  async function refresh() {
    if (ui.fetching) { ui.again = true; return; }
    ui.fetching = true;
    try {
      const res = await fetch("/api/state?as=" + encodeURIComponent(ui.as));
      if (res.ok) { ui.snap = await res.json(); draw(); }
    } finally {
      ui.fetching = false;
      if (ui.again) { ui.again = false; refresh(); }
    }
  }

  function remember() {
    history.replaceState(null, "", "#as=" + ui.as + "&c=" + ui.conv);
  }

  function ctxFor(source) {
    const names = {}, channels = {};
    ui.snap.people.forEach((p) => (names[p.id] = p.name));
    ui.snap.conversations.forEach((c) => c.kind === "channel" && (channels[c.id] = c.name.slice(1)));
    return {
      names, channels, people: ui.snap.people,
      onAction: (a) => api("/api/click", { target: Object.assign({}, source(), a) }),
      confirm,
    };
  }

  // confirm shows a button's confirm dialog; go runs on yes.
  function confirm(c, go) {
    const box = el("div", "dialog confirm");
    const yes = el("button", "bk-button primary", plain(c.confirm) || "Yes");
    const no = el("button", "bk-button", plain(c.deny) || "Cancel");
    box.append(el("div", "dialog-title", plain(c.title)), BlockKit.text(c.text, ctxFor(() => ({}))), el("div", "dialog-buttons", no, yes));
    const veil = el("div", "veil", box);
    yes.addEventListener("click", () => { veil.remove(); go(); });
    no.addEventListener("click", () => veil.remove());
    document.body.append(veil);
  }

  // draw redraws only the parts whose data changed, so a button stays
  // the same element (and under the pointer) while nothing about it moves.
  function draw() {
    const s = ui.snap;
    drawPeople(s);
    const conv = s.conversations.find((x) => x.id === ui.conv);
    changed("main", [ui.as, ui.conv, conv ? conv.items : s.home], () => drawMain(s));
    changed("sidebar", [ui.as, ui.conv, s.conversations.map((c) => [c.id, c.items.length, ui.seen[c.id] || 0])], () => drawSidebar(s));
    drawModal(s);
    changed("panel", s.panel, () => drawPanel(s.panel));
    changed("scenario", s.scenario, () => drawScenario(s.scenario));
  }

  const drawn = {};
  function changed(part, data, redraw) {
    const key = JSON.stringify(data);
    if (drawn[part] === key) return;
    drawn[part] = key;
    redraw();
  }

  function drawPeople(s) {
    const sel = $("as");
    if (sel.options.length === 0) {
      s.people.forEach((p) => {
        const o = el("option", null, p.name + " — " + p.role);
        o.value = p.id;
        sel.append(o);
      });
    }
    sel.value = ui.as;
  }

  function drawSidebar(s) {
    const nav = $("conversations");
    nav.replaceChildren();
    const item = (id, label, count) => {
      const a = el("button", "conv" + (ui.conv === id ? " active" : "") + (count > (ui.seen[id] || 0) && ui.conv !== id ? " unread" : ""), label);
      a.dataset.conv = id;
      a.addEventListener("click", () => select(id));
      return a;
    };
    nav.append(el("div", "nav-title", "Channels"));
    s.conversations.filter((c) => c.kind === "channel").forEach((c) => nav.append(item(c.id, c.name, c.items.length)));
    nav.append(el("div", "nav-title", "Apps"));
    const dm = s.conversations.find((c) => c.kind === "dm");
    nav.append(item(dm.id, "chataccess — Messages", dm.items.length));
    nav.append(item("home", "chataccess — Home", 0));
  }

  function select(id) {
    ui.conv = id;
    remember();
    if (id === "home") api("/api/home", {});
    else draw();
  }

  function drawMain(s) {
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren();
    if (ui.conv === "home") {
      $("conv-title").textContent = "chataccess — Home";
      $("conv-purpose").textContent = "the App Home tab, published by the bot for " + nameOf(ui.as);
      if (s.home) {
        list.append(el("div", "home", render(s.home.view.blocks, ctxFor(() => ({ view: s.home.id })))));
      } else {
        list.append(el("div", "muted pad", "Opening the Home tab…"));
      }
      return;
    }
    let c = s.conversations.find((x) => x.id === ui.conv);
    if (!c) { ui.conv = s.conversations[0].id; c = s.conversations[0]; }
    ui.seen[c.id] = c.items.length;
    $("conv-title").textContent = c.kind === "dm" ? "chataccess (direct messages with " + nameOf(ui.as) + ")" : c.name;
    $("conv-purpose").textContent = c.kind === "dm" ? "what the bot tells " + nameOf(ui.as) + " privately" : purpose(c.id);
    const replies = {};
    c.items.filter((i) => i.thread).forEach((i) => (replies[i.thread] = replies[i.thread] || []).push(i));
    const top = c.items.filter((i) => !i.thread);
    if (top.length === 0) list.append(el("div", "muted pad", "Nothing here yet."));
    top.forEach((i) => list.append(message(i, c.id, replies[i.ts] || [])));
    if (atBottom || top.length) list.scrollTop = list.scrollHeight;
  }

  function purpose(id) {
    return { C0WORKROOM1: "where people type /dynchat", C0DCAPPROV1: "approval cards of the Dynamic Chat packages",
      C0DCADMINS1: "admin alerts and drift reports", C0SALESOPS1: "approval cards of sales-admin" }[id] || "";
  }

  function nameOf(id) {
    const p = ui.snap.people.find((x) => x.id === id);
    return p ? p.name : id;
  }

  // message draws one message with its thread replies.
  function message(i, channel, thread) {
    const source = () => (i.reply ? { reply: i.reply } : { channel, ts: i.ts });
    const body = i.blocks ? render(i.blocks, ctxFor(source)) : mrkdwn(i.text || "", ctxFor(source));
    const head = el("div", "msg-head", el("span", "msg-author", "chataccess"), el("span", "app-badge", "APP"),
      i.reply ? el("span", "only-you", "Only visible to you") : null, i.edits ? el("span", "muted", "(edited)") : null);
    const m = el("div", "msg" + (i.reply ? " ephemeral" : ""), el("div", "avatar", "ca"), el("div", "msg-main", head, body));
    m.dataset.key = i.key;
    if (thread.length) {
      const t = el("div", "thread", el("div", "thread-title", thread.length + (thread.length === 1 ? " reply" : " replies")));
      thread.forEach((r) => t.append(el("div", "thread-reply", r.blocks ? render(r.blocks, ctxFor(() => ({ channel, ts: r.ts }))) : mrkdwn(r.text || "", ctxFor(() => ({}))))));
      m.querySelector(".msg-main").append(t);
    }
    return m;
  }

  function drawModal(s) {
    const key = s.modal ? JSON.stringify(s.modal) : "";
    if (key === ui.modalKey) return;
    // The same modal drawn again (errors shown, or updated) keeps what
    // was typed in it.
    const sameID = s.modal && ui.modalID === s.modal.id;
    const typed = sameID ? values($("modal-root")) : {};
    ui.modalKey = key;
    ui.modalID = s.modal ? s.modal.id : "";
    $("modal-root").replaceChildren();
    if (!s.modal) return;
    const v = s.modal.view, id = s.modal.id;
    const ctx = ctxFor(() => ({ view: id, values: values($("modal-root")) }));
    ctx.errors = s.modal.errors || {};
    const form = el("div", "dialog modal");
    form.append(el("div", "dialog-title", plain(v.title)));
    form.append(el("div", "modal-body", render(v.blocks, ctx)));
    const buttons = el("div", "dialog-buttons");
    const close = el("button", "bk-button", plain(v.close) || "Cancel");
    close.addEventListener("click", () => api("/api/close", {}));
    buttons.append(close);
    if (v.submit) {
      const submit = el("button", "bk-button primary", plain(v.submit));
      submit.id = "modal-submit";
      submit.addEventListener("click", () => api("/api/submit", { view: id, values: values($("modal-root")) }));
      buttons.append(submit);
    }
    form.append(buttons);
    $("modal-root").append(el("div", "veil", form));
    restore($("modal-root"), typed);
  }

  // restore puts typed values back into a redrawn modal's inputs.
  function restore(root, typed) {
    root.querySelectorAll("[data-input]").forEach((f) => {
      const got = (typed[f.dataset.block] || {})[f.dataset.action];
      if (!got) return;
      if (f.dataset.input === "menu") for (const o of f.options) o.selected = got.includes(o.value);
      else f.value = got[0] || "";
    });
  }

  function drawPanel(p) {
    const adobe = $("adobe");
    adobe.replaceChildren();
    p.adobe.forEach((h) => adobe.append(holders(h)));
    const mkto = $("marketo");
    mkto.replaceChildren();
    p.marketo.forEach((h) => mkto.append(holders(h)));
    const reqs = $("requests");
    reqs.replaceChildren();
    if (!p.requests || p.requests.length === 0) reqs.append(el("div", "muted", "No requests yet."));
    (p.requests || []).forEach((r) => reqs.append(request(r)));
    const audit = $("audit");
    audit.replaceChildren();
    $("audit-count").textContent = p.audit_total + " entries";
    (p.audit || []).slice().reverse().forEach((a) => {
      audit.append(el("tr", null, el("td", "mono", a.at.slice(11, 19)), el("td", "mono", a.request_id), el("td", null, a.action), el("td", null, a.actor), el("td", "muted", a.detail)));
    });
    (p.problems || []).forEach((x) => toast(x));
  }

  function holders(h) {
    return el("div", "holders", el("div", "holders-name", h.name),
      el("div", h.members.length ? "holders-list" : "holders-list muted", h.members.length ? h.members.join(", ") : "nobody"));
  }

  function request(r) {
    const box = el("div", "request state-" + r.state);
    box.dataset.request = r.id;
    box.append(el("div", "request-head", el("span", "mono", r.id), " ", r.kind + " " + r.package + " for " + r.target, el("span", "state", r.state.replace(/_/g, " "))));
    box.append(el("div", "muted", "requested by " + r.requester + (r.reason ? " · " + r.reason : "")));
    (r.decisions || []).forEach((d) => box.append(el("div", "decision", d)));
    if (r.steps && r.steps.length) {
      const ul = el("ul", "steps");
      r.steps.forEach((st) => ul.append(el("li", "step-" + st.status, st.name + ": " + st.status + (st.detail ? " — " + st.detail : ""))));
      box.append(ul);
    }
    if (r.failure) box.append(el("div", "bk-error", r.failure));
    return box;
  }

  function drawScenario(sc) {
    const ol = $("story");
    ol.replaceChildren();
    sc.steps.forEach((st, n) => {
      const li = el("li", "story-" + st.status, st.title);
      if (st.error) li.append(el("div", "bk-error", st.error));
      ol.append(li);
      if (st.status === "running" && ui.followed !== n) {
        ui.followed = n;
        follow(st);
      }
    });
    $("next-step").disabled = sc.running || sc.next >= sc.steps.length;
    $("play-all").disabled = sc.running || sc.next >= sc.steps.length;
  }

  // follow switches to the person who acts in a step and where to look.
  function follow(st) {
    if (ui.as !== st.actor || ui.conv !== st.where) {
      ui.as = st.actor;
      ui.conv = st.where.startsWith("D") ? "D" + st.actor : st.where;
      remember();
      refresh();
    }
  }

  function play(all) {
    const sc = ui.snap.scenario;
    const st = sc.steps[sc.next];
    if (st) { ui.followed = sc.next; follow(st); }
    api("/api/scenario", { all });
  }

  function send() {
    const box = $("command");
    const text = box.value.trim();
    if (!text.startsWith(ui.snap.command)) {
      toast("Only " + ui.snap.command + " commands reach the bot here, e.g. " + ui.snap.command + " help");
      return;
    }
    const channel = ui.conv === "home" ? "C0WORKROOM1" : ui.conv;
    box.value = ui.snap.command + " ";
    api("/api/command", { channel, text });
  }

  $("as").addEventListener("change", (e) => {
    ui.as = e.target.value;
    if (ui.conv.startsWith("D")) ui.conv = "D" + ui.as;
    ui.modalKey = "-";
    remember();
    if (ui.conv === "home") api("/api/home", {});
    else refresh();
  });
  $("send").addEventListener("click", send);
  $("command").addEventListener("keydown", (e) => { if (e.key === "Enter") send(); });
  $("next-step").addEventListener("click", () => play(false));
  $("play-all").addEventListener("click", () => play(true));

  const events = new EventSource("/api/events");
  events.addEventListener("change", () => refresh());
  refresh();
})();
