// graph_view.js: the graph as Graphviz (viz-js) laid out agrad dot's DOT
// text, brought to life: each position of the timeline rewrites the value
// and gradient fields of the records and highlights the node being
// computed or differentiated, its op and its inputs. Invariant: the SVG is
// laid out once per expression; stepping only changes text and classes.

import { fmt } from './timeline.js';

export class GraphView {
  constructor(box, onPick) {
    this.box = box;
    this.onPick = onPick;
    this.nodes = new Map(); // id -> {g, op, value, grad}
    this.edges = [];        // {g, from, to}
    this.lit = [];
  }

  clear(message) {
    this.box.replaceChildren();
    this.nodes.clear();
    this.edges = [];
    if (message) { const p = document.createElement('p'); p.className = 'muted'; p.textContent = message; this.box.append(p); }
  }

  setSvg(svgText) {
    this.clear();
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const svg = document.importNode(doc.documentElement, true);
    svg.querySelectorAll('script, foreignObject, a').forEach((e) => e.remove()); // never in viz output; cheap insurance
    this.box.append(svg);
    // Graphviz sizes in points; shrink a wide graph towards the box's width,
    // but not below 55% (the labels must stay readable: the box scrolls)
    const w = svg.width.baseVal.value, h = svg.height.baseVal.value;
    const k = Math.min(1, Math.max(0.55, (this.box.clientWidth - 4) / w));
    svg.setAttribute('width', `${(w * k).toFixed(0)}px`);
    svg.setAttribute('height', `${(h * k).toFixed(0)}px`);
    const entry = (id) => {
      if (!this.nodes.has(id)) this.nodes.set(id, { g: null, op: null, value: null, grad: null });
      return this.nodes.get(id);
    };
    svg.querySelectorAll('g.node').forEach((g) => {
      const t = g.querySelector('title').textContent, id = Number(t.slice(1));
      const e = entry(id);
      if (t[0] === 'o') { e.op = g; } else {
        e.g = g;
        g.querySelectorAll('text').forEach((x) => {
          if (x.textContent.startsWith('value ')) { e.value = x; x.classList.add('v'); }
          if (x.textContent.startsWith('grad ')) { e.grad = x; x.classList.add('v'); }
        });
      }
      g.addEventListener('click', () => this.onPick(id));
    });
    svg.querySelectorAll('g.edge').forEach((g) => {
      const [a, b] = g.querySelector('title').textContent.split('->');
      this.edges.push({ g, from: a, to: b });
    });
  }

  // scroll the graph's own box (never the page) so that g is in view
  reveal(g) {
    const b = this.box.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (r.left < b.left) this.box.scrollLeft -= b.left - r.left + 20;
    else if (r.right > b.right) this.box.scrollLeft += r.right - b.right + 20;
    if (r.top < b.top) this.box.scrollTop -= b.top - r.top + 20;
    else if (r.bottom > b.bottom) this.box.scrollTop += r.bottom - b.bottom + 20;
  }

  show(st, tl) {
    this.lit.forEach((g) => g.classList.remove('hi', 'into'));
    this.lit = [];
    const light = (g, cls) => { if (g) { g.classList.add(cls); this.lit.push(g); } };
    for (const [id, e] of this.nodes) {
      const n = tl.byId.get(id);
      if (!n || !e.g) continue;
      const known = st.known.has(id);
      e.g.classList.toggle('pending', !known || (!st.grads && n.kind !== 'const'));
      // write only what changed: each write makes the browser lay the text out again
      const set = (el, t) => { if (el.textContent !== t) el.textContent = t; };
      if (e.value) set(e.value, known ? `value ${fmt(n.value)}` : 'value ?');
      if (e.grad) set(e.grad, st.grads ? `grad ${fmt(st.grads.get(id))}` : 'grad ?');
    }
    const f = st.focus;
    const id = f.kind === 'forward' ? f.id : f.kind === 'backward' ? f.step.node : null;
    if (id === null) return;
    const e = this.nodes.get(id);
    if (!e) return;
    light(e.g, 'hi');
    this.reveal(e.g);
    light(e.op, 'hi');
    const ins = f.kind === 'backward' ? f.step.edges.map((x) => x.input) : tl.byId.get(id).inputs;
    ins.forEach((i) => light(this.nodes.get(i)?.g, 'into'));
    this.edges.forEach((x) => {
      if (x.to === `o${id}` || x.from === `o${id}`) light(x.g, 'hi');
    });
  }
}
