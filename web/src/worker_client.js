// worker_client.js: the page's side of the worker. Invariant: every request
// settles: with the worker's answer, or with an error when the answer takes
// longer than its time limit; then the worker is killed and a fresh one
// started, so whatever it was doing cannot hold the tab.

/* global WORKER_SRC */
export class Engine {
  constructor() { this.nextId = 1; this.pending = new Map(); this.generation = 0; this.start(); }

  // generation counts the workers started: state kept in one (a moons run) is gone in the next
  start() {
    this.generation++;
    document.body.dataset.engineRestarts = String(this.generation - 1);
    const url = URL.createObjectURL(new Blob([WORKER_SRC], { type: 'text/javascript' }));
    this.worker = new Worker(url);
    URL.revokeObjectURL(url);
    this.worker.onmessage = (ev) => {
      const p = this.pending.get(ev.data.id);
      if (!p) return;
      this.pending.delete(ev.data.id);
      clearTimeout(p.timer);
      if (ev.data.ok) p.resolve(ev.data.result); else p.reject(new Error(ev.data.error));
      if (ev.data.fatal) this.restart(`the engine stopped (${ev.data.error}) and was restarted`);
    };
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.restart(`the worker failed: ${ev.message}`);
    };
  }

  restart(why) {
    document.body.dataset.lastRestart = why;
    this.worker.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    pending.forEach((p) => { clearTimeout(p.timer); p.reject(new Error(why)); });
    this.start();
  }

  request(kind, payload = {}, limitMs = 10000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.restart(
        `gave up after ${limitMs / 1000} s (${kind}); the engine was restarted`), limitMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ id, kind, ...payload });
    });
  }
}
