// test.mjs: make webtest. Opens build/web/agrad.html from disk in Debian's
// chromium (headless, through puppeteer-core; nothing is downloaded) and
// checks, against the native command line on the same input:
//   - typed programs, stepped backward to the end one node at a time:
//     every gradient the graph shows against `agrad dot -f` (6 digits, as
//     both print them), the inputs' gradients at full precision against
//     `agrad grad --json -f`;
//   - a right and a wrong claim (the verdicts of `agrad check --json -f`);
//   - moons training: the final loss against examples/moons;
//   - hostile input: an error each time, and the page still answers;
//   - a link to a step reopens that step; the page can reach no network.
// Any console error, page error or request other than file:, blob:, data:
// fails the test. Prints the figures of issue 12 at the end.
// usage: node web/test.mjs --page P --agrad A --moons M --moons-time T --chromium C --shot PNG

import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const opt = {};
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['page', 'agrad', 'moons', 'moons-time', 'chromium', 'shot']) {
  if (!opt[k]) { console.error(`webtest: missing --${k}`); process.exit(2); }
}

const tmp = mkdtempSync(join(tmpdir(), 'agrad-webtest-'));
let failures = 0, checks = 0;
const figures = [];
function ok(cond, what) {
  checks++;
  if (!cond) { failures++; console.log(`FAIL: ${what}`); } else console.log(`ok: ${what}`);
}

// ---- the native side: the same text as a derivation file ----
const inputArgs = (inputs) => inputs.split(/\s+/).filter(Boolean);
function asFile(src) {
  const f = join(tmp, 'program.txt');
  writeFileSync(f, src);
  return f;
}
function agrad(args) {
  try {
    return execFileSync(opt.agrad, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.status === 1 && err.stdout) return err.stdout; // check: a claim disagrees
    throw err;
  }
}
const nativeGrad = (src, inputs) => JSON.parse(agrad(['grad', '--json', '-f', asFile(src), ...inputArgs(inputs)]));
const nativeCheck = (src) => JSON.parse(agrad(['check', '--json', '-f', asFile(src)]));
// every node's "grad X" field in agrad dot's labels, by DOT id (n<index>)
function nativeDotGrads(src, inputs) {
  const f = join(tmp, 'g.dot');
  agrad(['dot', '-o', f, '-f', asFile(src), ...inputArgs(inputs)]);
  const m = new Map();
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const r = /^\s*(n\d+) \[label="\{ (.*) \}"/.exec(line);
    const g = r && r[2].split(' | ').find((x) => x.startsWith('grad '));
    if (g) m.set(r[1], g.slice(5));
  }
  return m;
}
const close = (a, b, rel) => a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));

// ---- the browser ----
const browser = await puppeteer.launch({
  executablePath: opt.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--allow-file-access-from-files=false', `--user-data-dir=${join(tmp, 'profile')}`],
});
let expectViolation = false;
async function newPage() {
  const p = await browser.newPage();
  await p.setViewport({ width: 1280, height: 1000 });
  p.on('console', (m) => {
    if (m.type() === 'error' && !expectViolation) ok(false, `console error: ${m.text()}`);
  });
  p.on('pageerror', (e) => ok(false, `page error: ${e.message}`));
  p.on('dialog', async (d) => { ok(false, `a dialog opened: ${d.message()}`); await d.dismiss(); });
  p.on('request', (r) => {
    if (!/^(file|blob|data):/.test(r.url())) ok(false, `network request: ${r.url()}`);
  });
  p.on('requestfailed', (r) => { if (!expectViolation) ok(false, `request failed: ${r.url()}`); });
  return p;
}

const url = pathToFileURL(resolve(opt.page)).href;
const page = await newPage();
await page.goto(url);
await page.waitForFunction(() => document.body.dataset.firstGraph, { timeout: 30000 });
const firstGraph = Number(await page.evaluate(() => document.body.dataset.firstGraph));
figures.push(`page size ${(statSync(opt.page).size / 1e6).toFixed(2)} MB; opening to the first graph ${firstGraph.toFixed(0)} ms`);

const text = (sel) => page.$eval(sel, (e) => e.textContent);
const runs = () => page.evaluate(() => Number(document.body.dataset.runs || 0));

async function enter(src, inputs, { paste = false } = {}) {
  const before = await runs();
  if (paste) {
    await page.evaluate((e, i) => { document.getElementById('src').value = e; document.getElementById('inputs').value = i; }, src, inputs);
  } else {
    for (const [sel, v] of [['#src', src], ['#inputs', inputs]]) {
      await page.click(sel);
      await page.keyboard.down('Control'); await page.keyboard.press('KeyA'); await page.keyboard.up('Control');
      await page.keyboard.press('Backspace');
      await page.type(sel, v);
    }
  }
  await page.click('#run');
  await page.waitForFunction((n) => Number(document.body.dataset.runs || 0) > n, { timeout: 30000 }, before);
}

// step ▶ until the last backward step; returns the number of clicks
async function stepToEnd() {
  const max = Number(await page.$eval('#pos', (e) => e.max));
  for (let k = 0; k < max; k++) await page.click('#fwd');
  return max;
}

async function compareGradients(expr, inputs) {
  await enter(expr, inputs);
  const err = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
  ok(!err, `"${expr.replace(/\n/g, ' ')}" is accepted${err ? `: ${err}` : ''}`);
  const clicks = await stepToEnd();
  const where = await text('#where');
  const S = Number(/backward (\d+)\/(\d+)/.exec(where)?.[2]);
  ok(where === `backward ${S}/${S}` && clicks > S, `stepped to the end one node at a time (${where})`);
  const native = nativeGrad(expr, inputs), dot = nativeDotGrads(expr, inputs);
  const rows = new Map(await page.$$eval('#grads tr[data-name]', (trs) => trs.map((t) => [t.dataset.name, t.dataset.grad])));
  // the page lists the inputs the output depends on; the others' gradients are 0
  let worst = 0, agree = true;
  for (const [name, g] of Object.entries(native.grad)) {
    const mine = rows.has(name) ? Number(rows.get(name)) : 0;
    worst = Math.max(worst, g === 0 ? Math.abs(mine) : Math.abs(mine - g) / Math.abs(g));
    agree = agree && close(mine, g, 1e-12);
  }
  ok(agree && rows.size > 0 && [...rows.keys()].every((n) => n in native.grad),
    `${rows.size} input gradients agree with agrad grad --json -f (worst relative difference ${worst.toExponential(1)})`);
  const shown = await page.$$eval('#graph g.node', (gs) => gs.map((g) => [g.querySelector('title').textContent,
    [...g.querySelectorAll('text')].map((t) => t.textContent).find((t) => t.startsWith('grad '))]).filter(([, t]) => t));
  const bad = shown.filter(([id, t]) => !dot.has(id) || !close(Number(t.slice(5)), Number(dot.get(id)), 2e-6));
  ok(shown.length === dot.size && shown.length > 0 && bad.length === 0,
    `all ${shown.length} gradients drawn match agrad dot's${bad.length ? `; differ: ${JSON.stringify(bad.slice(0, 3))} vs ${bad.slice(0, 3).map(([i]) => dot.get(i))}` : ''}`);
}

// 1. typed programs, stepped to the end, against the command line
const neuron = { src: 'w1 = 0.6\nx1 = 1.5\nb = -0.2\ny = 1\nz = w1*x1 + b\na = sigmoid(z)\nC = 0.5*(a - y)^2', inputs: '' };
await compareGradients(neuron.src, neuron.inputs);
await compareGradients('x^y + max(x, y) + leaky_relu(x - y)', 'x=2 y=3');
await compareGradients('a = tanh(w*x); log(a^2 + softplus(x)) / sqrt(abs(w) + 1) - exp(-x)*cos(w)', 'w=1 x=2');
await compareGradients('z = [2, 1, 0.1]\ny = [1, 0, 0]\nL = -sum(y * log(softmax(z)))', '');
await compareGradients('x = [0.5, -1]\nW1 = [[0.1, -0.3], [0.4, 0.2]]\nb1 = [0, 0.1]\nv = [0.7, -0.5]\nc = 0.05\n' +
  'h = tanh(W1 @ x + b1)\no = sigmoid(v @ h + c)\nL = 0.5*(o - y)^2', 'y=1');

// 2. a parse error is shown in place, with its caret
await enter('x * (y +', 'x=1 y=2');
const perr = await text('#error');
ok(/line 1/.test(perr) && /\^/.test(perr) && (await page.$eval('#backdrop mark', (m) => !!m).catch(() => false)),
  `a parse error shows its column and caret, and is marked in the editor: ${JSON.stringify(perr)}`);

// 3. claims: one right, one wrong (a factor x left out), as agrad check -f judges them
const claimed = 'w = 0.6\nx = 1.5\na = sigmoid(w*x)\nclaim da/dw = a*(1 - a)*x\nclaim da/dx = a*(1 - a)\n';
await enter(claimed, '');
await page.waitForFunction(() => document.getElementById('claims').dataset.state === 'done', { timeout: 30000 });
const verdicts = await page.$$eval('#claims div', (ds) => ds.map((d) => d.dataset.verdict));
const nativeVerdicts = nativeCheck(claimed).claims.map((c) => c.verdict);
ok(JSON.stringify(verdicts) === JSON.stringify(['agrees', 'DISAGREES']) && JSON.stringify(verdicts) === JSON.stringify(nativeVerdicts),
  `claims: page ${JSON.stringify(verdicts)}, agrad check -f ${JSON.stringify(nativeVerdicts)}`);
ok(/da\/dx/.test(await text('#checkout')), 'the report names the disagreeing claim and its entries');

// 3b. every example of the menu: the claims' verdicts as agrad check -f gives them
const menu = await page.$$eval('#example option', (os) => os.map((o) => [o.value, o.textContent]));
for (const [value, title] of menu) {
  const before = await runs();
  await page.$eval('#claims', (c) => { c.dataset.state = ''; });
  await page.select('#example', value);
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n && ['done', 'error'].includes(document.getElementById('claims').dataset.state),
    { timeout: 60000 }, before);
  const mine = await page.$$eval('#claims div', (ds) => ds.map((d) => d.dataset.verdict));
  const native = nativeCheck(await page.$eval('#src', (e) => e.value)).claims.map((c) => c.verdict);
  const stepped = await page.$eval('#error', (e) => e.hidden);
  const why = stepped ? await text('#status') : await text('#error');
  ok(JSON.stringify(mine) === JSON.stringify(native) && (stepped || /scalar/.test(why)),
    `example "${title}": ${mine.length} verdicts as agrad check -f gives them; graph: ${why.trim()}`);
}

// 4. moons training against the native example
await page.click('#train');
await page.waitForFunction(() => document.getElementById('mstatus').dataset.loss, { timeout: 60000 })
  .catch(async (e) => { console.log(`moons: ${await text('#mstatus')}`, await page.evaluate(() => JSON.stringify(document.body.dataset))); throw e; });
const m = await page.$eval('#mstatus', (e) => ({ ...e.dataset }));
const nativeOut = execFileSync(opt.moons, [], { encoding: 'utf8' });
const nativeLoss = Number(/final loss=(\S+)/.exec(nativeOut)[1]);
ok(close(Number(m.loss), nativeLoss, 1e-12) && Number(m.accuracy) === 1,
  `moons in the page: final loss ${m.loss} (examples/moons: ${nativeLoss}${Number(m.loss) === nativeLoss ? ', bit for bit' : ''}), accuracy ${m.accuracy}`);
// timings: the best of 5 (the machine is shared): the page's C clock, the
// same C natively, and the native example as a whole process
const pageMs = [Number(m.ms)];
for (let k = 0; k < 4; k++) {
  await page.$eval('#mstatus', (e) => { delete e.dataset.loss; });
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('mstatus').dataset.loss, { timeout: 60000 });
  pageMs.push(Number(await page.$eval('#mstatus', (e) => e.dataset.ms)));
}
const nativeMs = [], wallMs = [];
for (let k = 0; k < 5; k++) {
  nativeMs.push(JSON.parse(execFileSync(opt['moons-time'], [], { encoding: 'utf8' })).ms);
  const t0 = process.hrtime.bigint();
  execFileSync(opt.moons, [], { encoding: 'utf8' });
  wallMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const best = (xs) => Math.min(...xs).toFixed(1);
figures.push(`moons, 100 steps (best of 5): ${best(pageMs)} ms in the page (WebAssembly); ${best(nativeMs)} ms the same C natively; examples/moons ${best(wallMs)} ms a run (whole process)`);
ok(Number(m.ms) < 1000, `100 moons steps well under a second in the page (${Number(m.ms).toFixed(1)} ms)`);

ok(await page.evaluate(() => document.body.dataset.engineRestarts) === '0', 'the worker was never restarted so far');

// 5. a backward step, shared by link and pictured (with the trained moons below)
const runsBefore = await runs();
await page.select('#example', '0');
await page.waitForFunction((n) => Number(document.body.dataset.runs) > n && document.getElementById('claims').dataset.state === 'done',
  { timeout: 30000 }, runsBefore);
ok(await page.$$eval('#claims div', (ds) => ds.every((d) => d.dataset.verdict === 'agrees') && ds.length === 2), 'the neuron example\'s two claims agree');
await page.click('#reset');
const F = Number(/forward \d+\/(\d+)/.exec(await text('#where'))[1]);
for (let k = 0; k < F + 3; k++) await page.click('#fwd');
const stepWhere = await text('#where'), ledger = await text('#ledger');
// play advances one step every 0.7 s; pause stops it; back and forward return here
await page.click('#play');
await new Promise((r) => setTimeout(r, 1600));
await page.click('#play');
const played = await text('#where');
await new Promise((r) => setTimeout(r, 900));
ok(/backward [56]\//.test(played) && await text('#where') === played, `play went on to ${played} and pause held it`);
const back = Number(/backward (\d+)/.exec(played)[1]) - 3;
for (let k = 0; k < back; k++) await page.click('#back');
ok(await text('#where') === stepWhere && await text('#ledger') === ledger, `back returns to ${stepWhere} with the same ledger`);
ok(/backward 3\//.test(stepWhere) && /local/.test(ledger) && /×/.test(ledger), `the ledger of ${stepWhere} shows local derivatives and products`);
await page.evaluate(() => {
  const w1 = [...document.querySelectorAll('#graph g.node')].find((g) => [...g.querySelectorAll('text')].some((t) => t.textContent === 'w1'));
  w1.dispatchEvent(new MouseEvent('click', { bubbles: true }));
});
ok(/received/.test(await text('#nodeinfo')), 'clicking w1 shows its ledger (what it received)');
await page.evaluate(() => window.scrollTo(0, 0));
await page.screenshot({ path: opt.shot, fullPage: true });
const link = page.url();
const page2 = await newPage();
await page2.goto(link);
await page2.waitForFunction(() => Number(document.body.dataset.runs || 0) > 0, { timeout: 30000 });
ok(await page2.$eval('#where', (e) => e.textContent) === stepWhere &&
   await page2.$eval('#src', (e) => e.value) === await page.$eval('#src', (e) => e.value), `the link reopens the page at ${stepWhere}`);
await page2.close();

// 6. time per backward step on a 100-node graph
let chain = 'a1 = tanh(w*x + b)';
for (let k = 2; k <= 32; k++) chain += `; a${k} = tanh(w*a${k - 1} + b)`;
chain += '; L = (a32 - y)^2';
await enter(chain, 'w=0.9 x=0.5 b=0.1 y=0.3', { paste: true });
const nodes = Number(/(\d+) nodes/.exec(await text('#status'))[1]);
const perStep = await page.evaluate(() => {
  document.getElementById('reset').click();
  const fwd = document.getElementById('fwd'), max = Number(document.getElementById('pos').max);
  const F = Number(/forward \d+\/(\d+)/.exec(document.getElementById('where').textContent)[1]);
  const t = [performance.now()];
  for (let k = 0; k < max; k++) {
    fwd.click();
    document.body.getBoundingClientRect(); // the layout each step causes, inside the timing
    if (k + 1 === F) t.push(performance.now());
  }
  t.push(performance.now());
  return { forward: (t[1] - t[0]) / F, backward: (t[2] - t[1]) / (max - F), steps: max - F };
});
figures.push(`one backward step on a ${nodes}-node graph: ${perStep.backward.toFixed(2)} ms (${perStep.steps} steps; ` +
  `a forward step ${perStep.forward.toFixed(2)} ms; DOM update and layout)`);
ok(nodes >= 100, `the timing graph has ${nodes} nodes`);

// 7. hostile input: an error, and the page still answers
async function hostile(what, expr, inputs, want) {
  await enter(expr, inputs, { paste: true });
  const e = await page.$eval('#error', (x) => (x.hidden ? '' : x.textContent));
  ok(want.test(e), `${what}: ${JSON.stringify(e.slice(0, 120))}`);
  const alive = await Promise.race([page.evaluate(() => 42), new Promise((r) => setTimeout(() => r(0), 2000))]);
  ok(alive === 42, `${what}: the page still answers`);
}
await hostile('80 KB of x+x+...', `${'x+'.repeat(40000)}x`, 'x=1', /too long/);
await hostile('30000 nested parentheses', `${'('.repeat(30000)}x${')'.repeat(30000)}`, 'x=1', /nest|deep/i);
await hostile('25001 additions', `x${'+x'.repeat(25000)}`, 'x=1', /nodes|deep/);
await hostile('markup as an expression', '</script><img src=x onerror=alert(1)>', 'x=1', /parse error/);
ok(await page.evaluate(() => document.querySelectorAll('img').length) === 0, 'no markup from the input entered the page');
await hostile('a bad input', 'x*2', 'x=1e999', /not a number/);
await hostile('a million-entry matrix product', 'W: 1000x1000\nL = sum(W @ W)', '', /memory|nodes|limit|too/i);
await enter(`x${'*x'.repeat(700)}`, 'x=1.0001', { paste: true });
ok(/701 nodes/.test(await text('#status')) && /the picture stops/.test(await text('#graph')), `700 multiplications: no picture, still stepped (${await text('#status')})`);
await page.click('#end');
ok(/backward (\d+)\/\1/.test(await text('#where')), `the long product steps to its end (${await text('#where')})`);
await compareGradients(neuron.src, neuron.inputs);

// 8. the page can reach nothing: a fetch is refused by its policy
expectViolation = true;
const refused = await page.evaluate(async () => {
  let v = false;
  document.addEventListener('securitypolicyviolation', () => { v = true; });
  try { await fetch('http://127.0.0.1:9/'); return 'fetched'; } catch { await new Promise((r) => setTimeout(r, 100)); return v ? 'refused by the policy' : 'failed otherwise'; }
});
expectViolation = false;
ok(refused === 'refused by the policy', `a fetch from the page is ${refused}`);

await browser.close();
rmSync(tmp, { recursive: true, force: true });
console.log('\nwebtest figures:');
figures.forEach((f) => console.log(`  ${f}`));
console.log(`webtest: ${checks - failures}/${checks} checks passed; screenshot ${opt.shot}`);
process.exit(failures ? 1 : 0);
