// engine.js: the agrad WebAssembly module (autograd/, nn/, the derivation
// language lang/ and web/wasm_*.c, compiled by clang --target=wasm32-wasi) with
// string-in, JSON-out calls. Invariant: every string written into the
// module's memory is freed after the call, and every JSON text it returns
// is read and freed before the next call.

import { makeWasi } from './wasi.js';

export async function loadEngine(wasmBytes) {
  let memory = null;
  const wasi = makeWasi(() => memory);
  const { instance } = await WebAssembly.instantiate(wasmBytes, wasi.imports);
  const x = instance.exports;
  memory = x.memory;
  x._initialize();
  x.agw_budget(64 * 1024 * 1024); // what agrad may allocate (wasm_budget.c): ~2.5 M nodes
  const enc = new TextEncoder(), dec = new TextDecoder();

  // bytes into module memory (NUL-terminated); the pointer is agw_free'd by the caller
  function put(bytesIn) {
    const p = x.agw_alloc(bytesIn.length + 1);
    if (!p) throw new Error('out of memory in the module');
    const m = new Uint8Array(memory.buffer, p, bytesIn.length + 1);
    m.set(bytesIn);
    m[bytesIn.length] = 0;
    return p;
  }
  function take(p) {
    if (!p) throw new Error('out of memory in the module');
    const m = new Uint8Array(memory.buffer);
    let end = p;
    while (m[end]) end++;
    const text = dec.decode(m.subarray(p, end));
    x.agw_free(p);
    return JSON.parse(text);
  }
  function withStrings(strings, f) {
    const ps = strings.map((s) => put(enc.encode(s)));
    try { return take(f(...ps)); } finally { ps.forEach((p) => x.agw_free(p)); }
  }

  return {
    graph: (src, inputs, of) => withStrings([src, inputs, of || ''], (s, i, o) => x.agw_graph(s, i, o)),
    check: (src, inputs) => withStrings([src, inputs], (s, i) => x.agw_check(s, i)),
    moonsSetup: (seed) => take(x.agw_moons_setup(seed)),
    moonsSteps: (n, replay) => take(x.agw_moons_steps(n, replay ? 1 : 0)),
    moonsGrid: (res, x0, x1, y0, y1) => take(x.agw_moons_grid(res, x0, x1, y0, y1)),
    output: wasi.output,
  };
}
