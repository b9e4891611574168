// worker.js: everything that can take long runs here, off the page's main
// thread: the C engine (parse, record, step, check, train) and Graphviz's
// layout (viz-js). Messages are {id, kind, ...} and each gets exactly one
// answer {id, ok, result | error}. The page kills and restarts this worker
// when an answer takes too long, so a hostile input cannot freeze the tab.

import { instance as vizInstance } from '@viz-js/viz';
import { loadEngine } from './engine.js';

/* global AGRAD_WASM_B64 */
function b64bytes(b64) {
  const s = atob(b64), b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

const ready = Promise.all([loadEngine(b64bytes(AGRAD_WASM_B64)), vizInstance()]);

const handlers = {
  graph: (e, v, m) => e.graph(m.expr, m.inputs),
  cli: (e, v, m) => e.cli(m.args),
  layout(e, v, m) {
    // Graphviz's network simplex and crossing passes grow fast with the
    // long edges a shared weight draws to every layer (102 nodes: 43 s in
    // native dot); limited, the same layout takes under a second. Level 2
    // (from 120 nodes) trades more crossings for speed again.
    const limits = ['', 'nslimit=1, nslimit1=1, mclimit=0.1, searchsize=10, ',
      'nslimit=0.1, nslimit1=0.1, mclimit=0.01, searchsize=5, splines=line, remincross=false, '][m.fast || 0];
    const dot = m.dot.replace('graph [', `graph [${limits}`);
    const r = v.render(dot, { format: 'svg', engine: 'dot' });
    if (r.status !== 'success') throw new Error(r.errors.map((x) => x.message).join('; '));
    return r.output;
  },
  moonsSetup: (e, v, m) => e.moonsSetup(m.seed),
  moonsSteps: (e, v, m) => e.moonsSteps(m.n, m.replay),
  moonsGrid: (e, v, m) => e.moonsGrid(m.res, m.x0, m.x1, m.y0, m.y1),
};

self.onmessage = async (ev) => {
  const m = ev.data;
  try {
    const [engine, viz] = await ready;
    const h = handlers[m.kind];
    if (!h) throw new Error(`unknown request ${m.kind}`);
    self.postMessage({ id: m.id, ok: true, result: h(engine, viz, m) });
  } catch (err) {
    self.postMessage({ id: m.id, ok: false, error: String(err && err.message || err) });
  }
};
