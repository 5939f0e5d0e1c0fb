// blockkit.js draws the Block Kit subset chataccess sends (header,
// section with text, fields and accessory, context, divider, actions
// with buttons and menus, input blocks with text, email, menus and user
// pickers) and Slack's mrkdwn (bold, italic, strike, code, quotes,
// links, mentions). Every piece of text becomes a text node: nothing
// the bot or a person wrote is ever parsed as HTML.
"use strict";

const BlockKit = (() => {
  // el makes an element with a class and children (strings become text).
  function el(tag, cls, ...kids) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const k of kids) {
      if (k === null || k === undefined) continue;
      e.append(typeof k === "string" ? document.createTextNode(k) : k);
    }
    return e;
  }

  // decode turns Slack's three escapes back into characters.
  function decode(s) {
    return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  const word = /[\p{L}\p{N}]/u;
  const marks = { "*": "b", "_": "i", "~": "s" };

  // emphasis finds *bold*, _italic_ and ~strike~ at word edges.
  function emphasis(s, out) {
    let plain = "";
    for (let i = 0; i < s.length; i++) {
      const m = marks[s[i]];
      const opens = m && (i === 0 || !word.test(s[i - 1])) && i + 1 < s.length && !/\s/.test(s[i + 1]);
      if (opens) {
        let j = i + 2;
        for (; j < s.length; j++) {
          if (s[j] === s[i] && !/\s/.test(s[j - 1]) && (j + 1 === s.length || !word.test(s[j + 1]))) break;
        }
        if (j < s.length) {
          if (plain) out.append(document.createTextNode(decode(plain)));
          plain = "";
          const inner = el(m, null);
          emphasis(s.slice(i + 1, j), inner);
          out.append(inner);
          i = j;
          continue;
        }
      }
      plain += s[i];
    }
    if (plain) out.append(document.createTextNode(decode(plain)));
  }

  // segment formats text between angle-bracket tokens: code spans, then
  // emphasis.
  function segment(s, out) {
    const re = /`([^`\n]+)`/g;
    let last = 0, m;
    while ((m = re.exec(s)) !== null) {
      emphasis(s.slice(last, m.index), out);
      out.append(el("code", null, decode(m[1])));
      last = re.lastIndex;
    }
    emphasis(s.slice(last), out);
  }

  // token draws <…>: a mention, a channel, a date, a link.
  function token(t, ctx, out) {
    const [target, label] = splitLabel(t);
    if (target.startsWith("@")) {
      const id = target.slice(1);
      out.append(el("span", "mention", "@" + (ctx.names[id] || label || id)));
    } else if (target.startsWith("#")) {
      const id = target.slice(1);
      out.append(el("span", "mention", "#" + (ctx.channels[id] || label || id)));
    } else if (target.startsWith("!subteam^")) {
      out.append(el("span", "mention", label ? decode(label) : "@group"));
    } else if (target.startsWith("!date^")) {
      out.append(document.createTextNode(decode(label || target)));
    } else if (target.startsWith("!")) {
      out.append(el("span", "mention", "@" + target.slice(1)));
    } else if (/^(https?:\/\/|mailto:)/i.test(target)) {
      const a = el("a", null, decode(label || target));
      a.href = decode(target);
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      out.append(a);
    } else {
      out.append(document.createTextNode(decode("<" + t + ">")));
    }
  }

  function splitLabel(t) {
    const i = t.indexOf("|");
    return i < 0 ? [t, ""] : [t.slice(0, i), t.slice(i + 1)];
  }

  // line draws one line of mrkdwn.
  function line(s, ctx, out) {
    const re = /<([^<>\n]+)>/g;
    let last = 0, m;
    while ((m = re.exec(s)) !== null) {
      segment(s.slice(last, m.index), out);
      token(m[1], ctx, out);
      last = re.lastIndex;
    }
    segment(s.slice(last), out);
  }

  // mrkdwn draws a mrkdwn string; a line starting with &gt; is a quote.
  function mrkdwn(s, ctx) {
    const box = el("div", "mrkdwn");
    s.split("\n").forEach((l, i) => {
      if (i > 0) box.append(el("br"));
      const q = l.match(/^&gt;\s?(.*)$/);
      if (q) {
        const bq = el("blockquote");
        line(q[1], ctx, bq);
        box.append(bq);
      } else {
        line(l, ctx, box);
      }
    });
    return box;
  }

  // text draws a text object.
  function text(t, ctx) {
    if (!t || typeof t.text !== "string") return el("span");
    if (t.type === "mrkdwn") return mrkdwn(t.text, ctx);
    const box = el("div", "plain");
    t.text.split("\n").forEach((l, i) => {
      if (i > 0) box.append(el("br"));
      box.append(document.createTextNode(l));
    });
    return box;
  }

  function plain(t) {
    return t && typeof t.text === "string" ? t.text : "";
  }

  // button draws a button; a confirm object asks first.
  function button(e, block, ctx) {
    const b = el("button", "bk-button" + (e.style ? " " + e.style : ""), plain(e.text));
    b.type = "button";
    b.dataset.action = e.action_id || "";
    b.addEventListener("click", () => {
      const go = () => ctx.onAction({ block_id: block.block_id || "", action_id: e.action_id || "" });
      if (e.confirm) ctx.confirm(e.confirm, go);
      else go();
    });
    return b;
  }

  // options fills a <select> from a menu's options and option groups.
  function options(sel, e) {
    const add = (parent, o) => {
      const opt = el("option", null, plain(o.text) + (o.description ? " — " + plain(o.description) : ""));
      opt.value = o.value;
      parent.append(opt);
    };
    (e.options || []).forEach((o) => add(sel, o));
    (e.option_groups || []).forEach((g) => {
      const og = el("optgroup");
      og.label = plain(g.label);
      (g.options || []).forEach((o) => add(og, o));
      sel.append(og);
    });
  }

  function people(sel, ctx) {
    for (const p of ctx.people) {
      const o = el("option", null, p.name);
      o.value = p.id;
      sel.append(o);
    }
  }

  // menu draws a select element; in an actions block a choice is sent
  // at once, in an input block it is read on submit.
  function menu(e, block, ctx, input) {
    const sel = el("select", "bk-select");
    const multi = e.type.startsWith("multi_");
    sel.multiple = multi;
    if (!multi) {
      const ph = el("option", null, plain(e.placeholder) || "Choose…");
      ph.value = "";
      sel.append(ph);
    }
    if (e.type.includes("users")) people(sel, ctx);
    else options(sel, e);
    const initial = [];
    if (e.initial_option) initial.push(e.initial_option.value);
    (e.initial_options || []).forEach((o) => initial.push(o.value));
    if (e.initial_user) initial.push(e.initial_user);
    (e.initial_users || []).forEach((u) => initial.push(u));
    for (const o of sel.options) o.selected = initial.includes(o.value);
    if (input) {
      sel.dataset.block = block.block_id || "";
      sel.dataset.action = e.action_id || "";
      sel.dataset.input = "menu";
    } else {
      sel.addEventListener("change", () => {
        if (sel.value) ctx.onAction({ block_id: block.block_id || "", action_id: e.action_id || "", option: sel.value });
      });
    }
    return sel;
  }

  function element(e, block, ctx, input) {
    switch (e.type) {
      case "button":
        return button(e, block, ctx);
      case "static_select":
      case "multi_static_select":
      case "users_select":
      case "multi_users_select":
        return menu(e, block, ctx, input);
      case "plain_text_input":
      case "email_text_input":
      case "url_text_input":
      case "number_input":
        return field(e, block);
      case "image":
        return el("span", "muted", "[image: " + (e.alt_text || "") + "]");
    }
    return el("span", "muted", "[" + e.type + "]");
  }

  // field draws a text input of an input block.
  function field(e, block) {
    const f = e.multiline ? el("textarea", "bk-input") : el("input", "bk-input");
    if (!e.multiline) f.type = e.type === "email_text_input" ? "email" : "text";
    if (e.initial_value) f.value = e.initial_value;
    if (e.placeholder) f.placeholder = plain(e.placeholder);
    if (e.max_length) f.maxLength = e.max_length;
    f.dataset.block = block.block_id || "";
    f.dataset.action = e.action_id || "";
    f.dataset.input = "text";
    return f;
  }

  const blocks = {
    header: (b) => el("div", "bk-header", plain(b.text)),
    divider: () => el("hr", "bk-divider"),
    section: (b, ctx) => {
      const s = el("div", "bk-section");
      const body = el("div", "bk-section-body");
      if (b.text) body.append(text(b.text, ctx));
      if (b.fields) {
        const g = el("div", "bk-fields");
        b.fields.forEach((f) => g.append(text(f, ctx)));
        body.append(g);
      }
      s.append(body);
      if (b.accessory) s.append(el("div", "bk-accessory", element(b.accessory, b, ctx, false)));
      return s;
    },
    context: (b, ctx) => {
      const c = el("div", "bk-context");
      (b.elements || []).forEach((e) => c.append(e.type === "image" ? el("span", "muted", "▪") : text(e, ctx)));
      return c;
    },
    actions: (b, ctx) => {
      const a = el("div", "bk-actions");
      (b.elements || []).forEach((e) => a.append(element(e, b, ctx, false)));
      return a;
    },
    input: (b, ctx) => {
      const box = el("label", "bk-inputblock");
      box.append(el("div", "bk-label", plain(b.label), b.optional ? el("span", "muted", " (optional)") : null));
      box.append(element(b.element || {}, b, ctx, true));
      if (b.hint) box.append(el("div", "bk-hint", plain(b.hint)));
      const err = ctx.errors && ctx.errors[b.block_id];
      if (err) box.append(el("div", "bk-error", err));
      return box;
    },
  };

  // render draws a blocks array. ctx: names (id → name), channels
  // (id → name), people, onAction(action), confirm(confirm, go),
  // errors (block id → text).
  function render(list, ctx) {
    const out = el("div", "bk");
    for (const b of list || []) {
      const draw = blocks[b.type];
      out.append(draw ? draw(b, ctx) : el("div", "muted", "[" + b.type + " block]"));
    }
    return out;
  }

  // values reads a modal's inputs: block id → action id → values.
  function values(root) {
    const out = {};
    root.querySelectorAll("[data-input]").forEach((f) => {
      const got = f.dataset.input === "menu" ? Array.from(f.selectedOptions).map((o) => o.value).filter((v) => v) : [f.value];
      (out[f.dataset.block] = out[f.dataset.block] || {})[f.dataset.action] = got;
    });
    return out;
  }

  return { render, mrkdwn, text, values, el, plain };
})();
