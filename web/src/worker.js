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

const engineReady = loadEngine(b64bytes(AGRAD_WASM_B64));
let vizReady = vizInstance();

// Graphviz's network simplex and crossing passes grow fast with the long
// edges a shared weight draws to every layer (102 nodes: 43 s in native
// dot, 6.9 s here); with these limits the same layout takes under a second,
// at the price of more crossings. Milder limits made Graphviz abort on some
// graphs (an assertion in its list code).
const LIMITS = 'nslimit=0.1, nslimit1=0.1, mclimit=0.01, searchsize=5, splines=line, remincross=false, ';

// Graphviz reports an abort on console.error before throwing; it becomes
// this request's error message instead (the page shows it).
let vizMessages = [];
console.error = (...a) => { vizMessages.push(a.join(' ')); };

async function layout(m) {
  const viz = await vizReady;
  vizMessages = [];
  const dot = m.fast ? m.dot.replace('graph [', `graph [${LIMITS}`) : m.dot;
  let r;
  try {
    r = viz.render(dot, { format: 'svg', engine: 'dot' });
  } catch (err) {
    vizReady = vizInstance(); // an aborted instance is unusable: start a fresh one
    throw new Error(`Graphviz failed: ${vizMessages.join('; ') || err.message}`);
  }
  if (r.status !== 'success') throw new Error(r.errors.map((x) => x.message).join('; '));
  return r.output;
}

const handlers = {
  graph: (e, m) => e.graph(m.src, m.inputs, m.of),
  check: (e, m) => e.check(m.src, m.inputs),
  layout: (e, m) => layout(m),
  moonsSetup: (e, m) => e.moonsSetup(m.seed),
  moonsSteps: (e, m) => e.moonsSteps(m.n, m.replay),
  moonsGrid: (e, m) => e.moonsGrid(m.res, m.x0, m.x1, m.y0, m.y1),
};

self.onmessage = async (ev) => {
  const m = ev.data;
  try {
    const engine = await engineReady;
    const h = handlers[m.kind];
    if (!h) throw new Error(`unknown request ${m.kind}`);
    self.postMessage({ id: m.id, ok: true, result: await h(engine, m) });
  } catch (err) {
    // a trap (stack overflow, an access out of bounds) leaves the module's
    // memory in an unknown state: the page replaces this worker
    const fatal = err instanceof WebAssembly.RuntimeError;
    self.postMessage({ id: m.id, ok: false, fatal, error: String(err && err.message || err) });
  }
};
