// build.mjs: bundles the page into one file (node web/build.mjs WASM OUT).
// The worker (engine + viz-js) is bundled with the module's bytes as base64,
// then the page's script with the worker's text as a string; the script goes
// into web/page.html inline, and its SHA-256 into the Content-Security-Policy,
// so that script is the only one the page will run.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [wasmPath, outPath] = process.argv.slice(2);
if (!wasmPath || !outPath) { console.error('usage: node web/build.mjs AGRAD.wasm OUT.html'); process.exit(2); }

const common = { bundle: true, write: false, format: 'iife', minify: true, target: 'chrome100', logLevel: 'warning', legalComments: 'inline' };
const worker = await build({
  ...common,
  entryPoints: [join(here, 'src/worker.js')],
  define: { AGRAD_WASM_B64: JSON.stringify(readFileSync(wasmPath).toString('base64')), 'import.meta.url': 'undefined' },
});
// the derivation files of examples/derivations, offered in the example menu
const dir = join(here, '../examples/derivations');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()
  .map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
const page = await build({
  ...common,
  entryPoints: [join(here, 'src/main.js')],
  define: { WORKER_SRC: JSON.stringify(worker.outputFiles[0].text), EXAMPLE_FILES: JSON.stringify(files) },
});
// inside <script> only "</script" (any case) and "<!--" could end or confuse it
const script = page.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
const hash = `sha256-${createHash('sha256').update(script).digest('base64')}`;
const html = readFileSync(join(here, 'page.html'), 'utf8')
  .replace('@HASH@', () => hash)
  .replace('@SCRIPT@', () => script);
writeFileSync(outPath, html);
console.log(`wrote ${outPath}: ${(html.length / 1024).toFixed(0)} KB`);
