// The live reply view. Small state (header, note, footnotes) is synced; the reply and its thinking
// arrive as append-only ops in numbered custom messages: finished blocks once, as HTML sanitised in
// the kernel, and the open tail as text (inert text nodes). It never receives a block twice.
// (anywidget hands initialize() and render() different model wrappers, so all state lives here.)
// Message ids whose thinking section the user opened; shared by every copy of this module.
const OPENED = (globalThis.claudeMagicOpened ??= new Set());

function part(tag, cls) {
  const node = document.createElement(tag);
  node.className = cls;
  return node;
}

function stream(cls) {
  const box = part("div", cls);
  const done = part("div", "claude-done");
  const tail = part("div", "claude-tail");
  box.append(done, tail);
  return { box, done, tail, text: "", code: false, marks: [] };
}

// The open tail arrives as the text it will read as, with marks [start, end|null, kind] over it
// (the kernel hides Markdown's markers: core/render.py open_tail). Drawn as inert text nodes.
const MARK_TAGS = { strong: "strong", em: "em", code: "code", heading: "strong" };

function drawTail(target) {
  const { tail, text, marks } = target;
  tail.classList.toggle("claude-code", target.code);
  const ends = marks.map(([start, end, kind]) => [start, end ?? text.length, kind]);
  const cuts = [...new Set([0, text.length, ...ends.flat().filter((n) => typeof n === "number")])]
    .filter((n) => n <= text.length).sort((a, b) => a - b);
  tail.replaceChildren();
  for (let i = 0; i + 1 < cuts.length; i++) {
    let node = document.createTextNode(text.slice(cuts[i], cuts[i + 1]));
    for (const [start, end, kind] of ends) {
      if (start > cuts[i] || end < cuts[i + 1] || !MARK_TAGS[kind]) continue;
      const wrap = part(MARK_TAGS[kind], kind === "heading" ? "claude-tail-heading" : "");
      wrap.append(node);
      node = wrap;
    }
    tail.append(node);
  }
}

function replaceTail(target, keep, text) {
  target.text = target.text.slice(0, keep) + text;
  drawTail(target);
}

function styleTail(target, code, marks) {
  Object.assign(target, { code, marks });
  drawTail(target);
}

function freeze(target, html, chars) {
  target.done.insertAdjacentHTML("beforeend", html);
  Object.assign(target, { text: target.text.slice(chars), code: false, marks: [] });
  drawTail(target);
}

// A tool call's row: replaced in place when the call ends (staying open if the user opened it).
function row(target, key, html) {
  const old = [...target.done.children].find((node) => node.dataset.tool === key);
  if (!old) return target.done.insertAdjacentHTML("beforeend", html);
  const open = old.open;
  old.insertAdjacentHTML("afterend", html);
  old.nextElementSibling.open = open;
  old.remove();
}

function render({ model, el }) {
  const root = part("div", "claude-reply mathjax_ignore tex2jax_ignore");
  const header = part("div", "claude-header");
  const thinking = part("details", "claude-thinking");
  const summary = part("summary", "");
  summary.textContent = "Thinking";
  const thought = stream("claude-thought");
  thinking.append(summary, thought.box);
  thinking.hidden = true;
  const note = part("div", "claude-note");
  const body = stream("claude-body");
  const footnotes = part("div", "claude-footnotes");
  const footer = part("div", "claude-footer"); // the live output-token estimate ("c" ops carry the number)
  root.append(header, thinking, note, body.box, footnotes, footer);
  el.append(root);
  const sync = () => {
    header.innerHTML = model.get("header");
    note.innerHTML = model.get("note");
    footnotes.innerHTML = model.get("footnotes");
    root.dataset.message = model.get("message");
  };
  const apply = ([op, a, b]) => {
    if (op === "r") replaceTail(body, a, b);
    else if (op === "f") freeze(body, a, b);
    else if (op === "tr") { thinking.hidden = false; replaceTail(thought, a, b); }
    else if (op === "tf") freeze(thought, a, b);
    else if (op === "s") styleTail(body, a, b);
    else if (op === "ts") styleTail(thought, a, b);
    else if (op === "x") row(body, a, b);
    else if (op === "c") footer.textContent = `~${Number(a).toLocaleString("en-US")} tokens so far`;
  };
  // Ops are numbered: a gap means one arrived before this view listened (the settled panel has all).
  let next = 0;
  const onMessage = (msg) => {
    if (msg.seq !== next) note.textContent = "Part of this reply was not shown live; all of it appears when it ends.";
    next = msg.seq + msg.ops.length;
    msg.ops.forEach(apply);
  };
  thinking.addEventListener("toggle", () => {
    const id = model.get("message");
    if (id) thinking.open ? OPENED.add(id) : OPENED.delete(id);
  });
  model.on("change", sync);
  model.on("msg:custom", onMessage);
  sync();
  model.send({ rendered: true }); // the kernel falls back to plain outputs when no view says this
  return () => {
    model.off("change", sync);
    model.off("msg:custom", onMessage);
  };
}

// When the settled panel replaces the live one, its thinking stays open if the user opened it.
if (!globalThis.claudeMagicObserver) {
  globalThis.claudeMagicObserver = new MutationObserver(() => {
    for (const id of OPENED) {
      const settled = document.querySelector(`details.claude-thinking[data-message="${CSS.escape(id)}"]`);
      if (settled && !settled.open) settled.open = true;
    }
  });
  globalThis.claudeMagicObserver.observe(document.body, { childList: true, subtree: true });
}

export default { render };
