// main.js: the page. The user's text goes to the C library (lang/) in the
// worker as data (never evaluated here); what comes back is JSON, shown with
// textContent or as the SVG Graphviz drew. The state (program, inputs,
// position) lives in the URL's fragment, so a link names a step.

import { Engine } from './worker_client.js';
import { EXAMPLES } from './examples.js';
import { Timeline, fmt, num } from './timeline.js';
import { GraphView } from './graph_view.js';
import { Moons } from './moons.js';

const MAX_DRAW = 250; // nodes Graphviz lays out; beyond, the ledger steps without the picture
const FAST_LAYOUT = 40; // from this many nodes on, Graphviz's passes are limited (worker.js)
const $ = (id) => document.getElementById(id);
const engine = new Engine();
let tl = null, pos = 0, playing = null, runSeq = 0;

const view = new GraphView($('graph'), (id) => showNode(id));

function saveState() {
  const q = new URLSearchParams({ e: $('src').value, i: $('inputs').value, o: $('of').value, p: String(pos) });
  history.replaceState(null, '', `#${q.toString()}`);
}

function loadState() {
  const q = new URLSearchParams(location.hash.slice(1));
  if (!q.has('e')) return false;
  $('src').value = q.get('e');
  $('inputs').value = q.get('i') || '';
  $('of').value = q.get('o') || '';
  pos = Math.max(0, Number(q.get('p')) || 0);
  return true;
}

function useExample(k) {
  $('src').value = EXAMPLES[k].src;
  $('inputs').value = '';
  $('of').value = EXAMPLES[k].of || '';
  pos = 0;
}

// where 1-based line and column (in code points, as lang counts) fall in src
function offsetOf(src, line, column) {
  let at = 0;
  for (let l = 1; l < line && at >= 0; l++) at = src.indexOf('\n', at) + 1 || -1;
  if (at < 0) return src.length;
  for (let c = 1; c < column && at < src.length && src[at] !== '\n'; c++) at += src.codePointAt(at) > 0xffff ? 2 : 1;
  return at;
}

// the error's place marked in the editor's backdrop and a caret line below
function showError(err, where) {
  const box = $('error'), bd = $('backdrop');
  box.hidden = false;
  box.textContent = where === 'inputs' ? `inputs: ${err.text || err.message}` : (err.text || err.message);
  bd.replaceChildren();
  if (where === 'program' && err.line > 0) {
    const src = $('src').value, at = offsetOf(src, err.line, err.column);
    const mark = document.createElement('mark');
    mark.textContent = src.slice(at, at + 1).replace('\n', ' ') || ' ';
    bd.append(src.slice(0, at), mark, src.slice(at + 1));
    $('src').setSelectionRange(at, at);
  }
}

function clearError() {
  $('error').hidden = true;
  $('backdrop').replaceChildren();
}

// Every call ends by counting itself in body[data-runs] (what the test waits for).
async function differentiate() {
  try { await differentiateNow(); } finally {
    document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  }
}

async function differentiateNow() {
  const seq = ++runSeq, t0 = performance.now();
  stopPlay();
  $('status').textContent = 'working…';
  let g;
  try {
    g = await engine.request('graph', { src: $('src').value, inputs: $('inputs').value, of: $('of').value.trim() });
  } catch (err) {
    if (seq === runSeq) { showError({ message: err.message }); $('status').textContent = ''; }
    return;
  }
  if (seq !== runSeq) return;
  if (!g.ok) {
    tl = null;
    view.clear();
    showError(g.error, g.error.where || 'none');
    $('status').textContent = '';
    setPos(0);
    return;
  }
  clearError();
  tl = new Timeline(g);
  $('nodeinfo').replaceChildren();
  if (g.count <= MAX_DRAW && g.dot) {
    try {
      view.setSvg(await engine.request('layout', { dot: g.dot, fast: g.count >= FAST_LAYOUT }, 20000));
    } catch (err) {
      view.clear(`no picture: ${err.message}`);
    }
  } else {
    view.clear(`${g.count} nodes: the picture stops at ${MAX_DRAW}; the ledger still steps through them`);
  }
  if (seq !== runSeq) return;
  $('status').textContent = `${g.count} nodes, ${g.steps.length} backward steps (${(performance.now() - t0).toFixed(0)} ms)`;
  if (!document.body.dataset.firstGraph) document.body.dataset.firstGraph = performance.now().toFixed(1);
  setPos(Math.min(pos, tl.length));
}

function setPos(p) {
  pos = tl ? Math.max(0, Math.min(p, tl.length)) : 0;
  const r = $('pos');
  r.max = String(tl ? tl.length : 0);
  r.value = String(pos);
  saveState();
  if (!tl) { $('ledger').replaceChildren(); $('where').textContent = ''; $('grads').replaceChildren(); return; }
  const st = tl.state(pos);
  const F = tl.forward.length;
  $('where').textContent = pos <= F ? `forward ${pos}/${F}` : `backward ${pos - F}/${tl.g.steps.length}`;
  $('ledger').replaceChildren(...tl.ledger(st).map(([text, cls]) => {
    const d = document.createElement('div');
    d.textContent = text;
    if (cls) d.className = cls;
    return d;
  }));
  view.show(st, tl);
  showGrads(st);
}

// the inputs' gradients at this position, at full precision
function showGrads(st) {
  const rows = tl.g.nodes.filter((n) => n.kind === 'var').map((n) => {
    const tr = document.createElement('tr');
    const g = st.grads ? st.grads.get(n.id) : null;
    tr.dataset.name = n.label;
    if (g !== null) tr.dataset.grad = String(g);
    for (const t of [`∂${tl.outName()}/∂${n.label}`, g === null ? '?' : String(num(g))]) {
      const td = document.createElement('td');
      td.textContent = t;
      tr.append(td);
    }
    return tr;
  });
  const head = document.createElement('tr');
  head.innerHTML = '<th>gradient</th><th>at this step</th>'; // fixed text, no user data
  $('grads').replaceChildren(head, ...rows);
  const v = document.createElement('tr');
  v.innerHTML = '<td></td><td></td>';
  v.firstChild.textContent = `${tl.outName()} =`;
  v.lastChild.textContent = st.known.has(tl.g.out) ? fmt(tl.g.value) : '?';
  $('grads').append(v);
}

function showNode(id) {
  if (!tl || !tl.byId.has(id)) return;
  $('nodeinfo').replaceChildren(...tl.nodeLedger(id).map((t) => { const d = document.createElement('div'); d.textContent = t; return d; }));
}

function stopPlay() {
  if (playing) clearInterval(playing);
  playing = null;
  $('play').textContent = '▶ play';
}

function togglePlay() {
  if (playing) { stopPlay(); return; }
  if (!tl) return;
  if (pos >= tl.length) setPos(0);
  $('play').textContent = '⏸ pause';
  playing = setInterval(() => { if (pos >= tl.length) stopPlay(); else setPos(pos + 1); }, 700);
}

// the program's claims, checked by lang at sample points: one line each
// with its verdict, then lang's report (the disagreeing entries)
let checkSeq = 0;
async function check() {
  const seq = ++checkSeq, box = $('claims');
  box.replaceChildren();
  box.dataset.state = 'checking';
  $('checkout').textContent = '';
  let r;
  try {
    r = await engine.request('check', { src: $('src').value, inputs: $('inputs').value }, 20000);
  } catch (err) {
    r = { ok: false, error: { message: err.message } };
  }
  if (seq !== checkSeq) return; // a newer check is on its way
  if (!r.ok) {
    box.textContent = `not checked: ${r.error.message}`;
    box.dataset.state = 'error';
    return;
  }
  const claims = r.report.claims;
  if (!claims.length) box.textContent = 'no claims: add lines like  claim dL/dw = ...';
  claims.forEach((c) => {
    const d = document.createElement('div');
    const good = c.verdict === 'agrees';
    d.className = good ? 'ok' : 'error';
    d.dataset.verdict = c.verdict;
    d.textContent = `${good ? '✓' : '✗'} line ${c.line}: ${c.claim}: ${c.verdict}${good ? '' : ` (${c.message})`}`;
    box.append(d);
  });
  box.dataset.state = 'done';
  $('checkout').textContent = r.text || '';
}

function init() {
  EXAMPLES.forEach((x, k) => $('example').append(new Option(x.title, String(k))));
  const go = () => { pos = 0; differentiate(); check(); };
  $('example').addEventListener('change', () => { useExample(Number($('example').value)); differentiate(); check(); });
  $('run').addEventListener('click', go);
  $('src').addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) go(); });
  $('src').addEventListener('input', () => $('backdrop').replaceChildren());
  $('src').addEventListener('scroll', () => { $('backdrop').scrollTop = $('src').scrollTop; });
  $('reset').addEventListener('click', () => { stopPlay(); setPos(0); });
  $('back').addEventListener('click', () => { stopPlay(); setPos(pos - 1); });
  $('fwd').addEventListener('click', () => { stopPlay(); setPos(pos + 1); });
  $('end').addEventListener('click', () => { stopPlay(); setPos(tl ? tl.length : 0); });
  $('play').addEventListener('click', togglePlay);
  $('pos').addEventListener('input', () => { stopPlay(); setPos(Number($('pos').value)); });
  document.addEventListener('keydown', (e) => {
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName) && document.activeElement.type !== 'range') return;
    const keys = { ArrowRight: () => setPos(pos + 1), ArrowLeft: () => setPos(pos - 1), Home: () => setPos(0), End: () => setPos(tl ? tl.length : 0), ' ': togglePlay };
    if (keys[e.key]) { e.preventDefault(); if (e.key !== ' ') stopPlay(); keys[e.key](); }
  });
  const moons = new Moons(engine, { boundary: $('boundary'), loss: $('loss'), status: $('mstatus'), replay: $('replay') });
  $('train').addEventListener('click', () => moons.train().catch((err) => { $('mstatus').textContent = err.message; }));
  $('mreset').addEventListener('click', () => { if (!moons.busy) moons.reset().catch((err) => { $('mstatus').textContent = err.message; }); });
  if (!loadState()) useExample(0);
  differentiate();
  check();
  moons.reset().catch((err) => { $('mstatus').textContent = err.message; });
}

init();
