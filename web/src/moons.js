// moons.js: micrograd's moons demo, live. The worker runs the C training
// step (web/wasm_moons.c over examples/moons.c) in chunks; after
// each chunk the page redraws the loss curve and the decision boundary (the
// model's score on a grid, computed in C). Invariant: one training run at a
// time (`busy`); the figures shown are the C clock's time for the steps
// alone, without drawing.

const STEPS = 100, CHUNK = 10, RES = 48, BOX = [-1.6, 2.6, -1.1, 1.6]; // x0 x1 y0 y1

export class Moons {
  constructor(engine, el) {
    this.engine = engine;
    this.el = el;
    this.busy = false;
    this.data = null;
    this.losses = [];
  }

  async reset() {
    this.generation = this.engine.generation;
    this.data = await this.engine.request('moonsSetup', { seed: 1337 });
    if (!this.data.ok) throw new Error(this.data.error.message);
    this.losses = [];
    this.grid = null;
    this.draw();
    this.el.status.textContent = 'step 0: press Train';
  }

  async train() {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.data || this.losses.length >= STEPS || this.generation !== this.engine.generation) await this.reset();
      let ms = 0, r = null;
      while (this.losses.length < STEPS) {
        r = await this.engine.request('moonsSteps', { n: Math.min(CHUNK, STEPS - this.losses.length), replay: this.el.replay.checked });
        if (!r.ok) throw new Error(r.error.message);
        ms += r.ms;
        this.losses.push(...r.losses.map(Number));
        this.grid = await this.engine.request('moonsGrid', { res: RES, x0: BOX[0], x1: BOX[1], y0: BOX[2], y1: BOX[3] });
        this.draw();
        this.el.status.textContent = `step ${r.step}: loss ${r.loss.toFixed(6)}`;
      }
      const fin = r; // the last step's loss and accuracy, as examples/moons prints them
      this.el.status.textContent = `${STEPS} steps in ${ms.toFixed(1)} ms · final loss ${fin.loss.toFixed(6)} · accuracy ${(fin.accuracy * 100).toFixed(0)}%`;
      this.el.status.dataset.ms = ms;
      this.el.status.dataset.loss = fin.loss;
      this.el.status.dataset.accuracy = fin.accuracy;
    } finally {
      this.busy = false;
    }
  }

  draw() {
    const c = this.el.boundary, g = c.getContext('2d'), W = c.width, H = c.height;
    const px = (x) => ((x - BOX[0]) / (BOX[1] - BOX[0])) * W, py = (y) => H - ((y - BOX[2]) / (BOX[3] - BOX[2])) * H;
    g.clearRect(0, 0, W, H);
    if (this.grid && this.grid.ok) {
      // one pixel a grid point (row 0 at the bottom), stretched smoothly over the plot
      const n = this.grid.res, img = new ImageData(n, n);
      this.grid.score.forEach((v, k) => {
        const i = n - 1 - Math.floor(k / n), j = k % n, o = 4 * (i * n + j), a = Math.min(0.5, 0.12 + 0.1 * Math.abs(v));
        img.data.set(v > 0 ? [25, 113, 194, 255 * a] : [224, 49, 49, 255 * a], o);
      });
      const off = new OffscreenCanvas(n, n);
      off.getContext('2d').putImageData(img, 0, 0);
      g.imageSmoothingEnabled = true;
      g.drawImage(off, 0, 0, W, H);
    }
    if (this.data) {
      for (let i = 0; i < this.data.rows; i++) {
        g.beginPath();
        g.arc(px(this.data.x[2 * i]), py(this.data.x[2 * i + 1]), 3.5, 0, 2 * Math.PI);
        g.fillStyle = this.data.y[i] > 0 ? '#1971c2' : '#e03131';
        g.fill();
      }
    }
    const l = this.el.loss, h = l.getContext('2d');
    h.clearRect(0, 0, l.width, l.height);
    h.fillStyle = '#667085';
    h.font = '12px sans-serif';
    h.fillText('loss per step', l.width / 2 - 30, 14);
    if (!this.losses.length) return;
    const top = Math.max(...this.losses), M = 24;
    h.strokeStyle = '#d0d5dd';
    h.strokeRect(M, M, l.width - 2 * M, l.height - 2 * M);
    h.beginPath();
    this.losses.forEach((v, k) => {
      const x = M + (k / (STEPS - 1)) * (l.width - 2 * M), y = l.height - M - (v / top) * (l.height - 2 * M);
      if (k) h.lineTo(x, y); else h.moveTo(x, y);
    });
    h.strokeStyle = '#e8590c';
    h.lineWidth = 2;
    h.stroke();
    h.fillText(top.toFixed(3), 2, M - 4);
    h.fillText('0', 10, l.height - M);
    h.fillText(`${STEPS}`, l.width - M - 10, l.height - 8);
  }
}
