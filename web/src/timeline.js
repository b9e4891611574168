// timeline.js: positions of the walk through one graph, and what each
// shows. Position 0 shows the inputs; positions 1..F compute the F operation
// nodes forward in tape order; positions F+1..F+S apply the S backward steps
// of the C stepper (ag_stepper), each adding upstream × local into its
// inputs. Invariant: state(p) depends on p alone (so a link can name a step).

export function fmt(v) {
  // what %.6g prints, as agrad dot and trace show numbers
  if (typeof v === 'string') return v === 'Infinity' ? 'inf' : v === '-Infinity' ? '-inf' : 'nan';
  if (v === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(v)));
  if (e < -4 || e >= 6) {
    const [m, x] = v.toExponential(5).split('e');
    const mm = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const xx = Number(x);
    return `${mm}e${xx < 0 ? '-' : '+'}${String(Math.abs(xx)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(6)));
}

export const num = (v) => (typeof v === 'string' ? (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity) : v);

export class Timeline {
  constructor(g) {
    this.g = g;
    this.byId = new Map(g.nodes.map((n) => [n.id, n]));
    this.forward = g.nodes.filter((n) => n.kind === 'op').map((n) => n.id);
    this.length = this.forward.length + g.steps.length;
  }

  label(id) { return this.byId.get(id).label; }

  outName() { return this.g.output || this.byId.get(this.g.out).name || 'f'; }

  // {known: Set of ids whose values are computed, grads: Map id -> gradient
  //  (null before backward starts), focus: {kind, ...}} at position p
  state(p) {
    const F = this.forward.length;
    const known = new Set(this.g.nodes.filter((n) => n.kind !== 'op').map((n) => n.id));
    for (let k = 0; k < Math.min(p, F); k++) known.add(this.forward[k]);
    if (p <= F) {
      return { known, grads: null, focus: p === 0 ? { kind: 'start' } : { kind: 'forward', id: this.forward[p - 1] } };
    }
    const grads = new Map();
    this.g.nodes.forEach((n) => { if (n.kind !== 'const') grads.set(n.id, 0); });
    grads.set(this.g.out, 1); // the seed dy/dy = 1
    let before = null;
    for (let k = 0; k < p - F; k++) {
      const s = this.g.steps[k];
      if (k === p - F - 1) before = s.edges.map((e) => grads.get(e.input));
      s.edges.forEach((e) => grads.set(e.input, num(e.grad)));
    }
    return { known, grads, focus: { kind: 'backward', k: p - F - 1, step: this.g.steps[p - F - 1], before } };
  }

  // The ledger lines of a position: [text, class] pairs
  ledger(st) {
    const f = this.outName(), F = this.forward.length, S = this.g.steps.length;
    const L = [];
    if (st.focus.kind === 'start') {
      L.push([`inputs: ${this.g.nodes.filter((n) => n.kind === 'var').map((n) => `${n.label} = ${fmt(n.value)}`).join(', ') || 'none'}`]);
      L.push([`step ▶ computes the ${F} operation node${F === 1 ? '' : 's'} forward, then goes backward through ${S} step${S === 1 ? '' : 's'}`]);
    } else if (st.focus.kind === 'forward') {
      const n = this.byId.get(st.focus.id);
      L.push([`forward ${this.forward.indexOf(n.id) + 1}/${F}: ${n.label} = ${n.formula} = ${fmt(n.value)}`]);
    } else {
      const s = st.focus.step, n = this.byId.get(s.node);
      L.push([`backward ${st.focus.k + 1}/${S}: through ${n.label} = ${n.formula} = ${fmt(n.value)}`]);
      L.push([`  upstream ∂${f}/∂${n.label} = ${fmt(s.upstream)}${s.node === this.g.out ? ' (the seed)' : ''}`]);
      if (!s.edges.length) L.push(['  (every input is a constant: no gradient flows on)']);
      s.edges.forEach((e, i) => {
        const x = this.label(e.input);
        L.push([`  into ${x}: local ∂${n.label}/∂${x} = ${fmt(e.local)};  ${fmt(s.upstream)} × ${fmt(e.local)} = ${fmt(e.contribution)}`]);
        L.push([`      ∂${f}/∂${x}: ${fmt(st.focus.before[i])} + ${fmt(e.contribution)} = ${fmt(e.grad)}`, 'sum']);
      });
    }
    return L;
  }

  // Everything about one node: its forward formula, the step that sent its
  // gradient on, every contribution it received.
  nodeLedger(id) {
    const n = this.byId.get(id), f = this.outName(), L = [];
    L.push(`${n.label}${n.name && n.label !== n.name ? ` (${n.name})` : ''}: ${n.kind === 'op' ? `${n.op}, ${n.formula} = ` : `${n.kind} `}${fmt(n.value)}`);
    if (n.kind === 'const') return [...L, '  a constant: carries no gradient'];
    const got = [];
    this.g.steps.forEach((s, k) => s.edges.forEach((e) => {
      if (e.input === id) {
        got.push(`  step ${k + 1}: from ${this.label(s.node)}: ∂${f}/∂${this.label(s.node)} (${fmt(s.upstream)}) × ∂${this.label(s.node)}/∂${n.label} (${fmt(e.local)}) = ${fmt(e.contribution)} → ${fmt(e.grad)}`);
      }
    }));
    if (id === this.g.out) L.push(`  the output: seeded ∂${f}/∂${f} = 1`);
    if (got.length) L.push('  received:', ...got);
    const k = this.g.steps.findIndex((s) => s.node === id);
    if (k >= 0) {
      const s = this.g.steps[k];
      L.push(`  step ${k + 1} sends ∂${f}/∂${n.label} = ${fmt(s.upstream)} on:`);
      s.edges.forEach((e) => L.push(`    to ${this.label(e.input)}: × local ${fmt(e.local)} = ${fmt(e.contribution)}`));
    }
    L.push(`  ∂${f}/∂${n.label} = ${fmt(n.grad)}`);
    return L;
  }
}
