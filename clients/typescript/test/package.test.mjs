// The TypeScript client as another project gets it (run through scripts/with-live-service.sh): `npm pack`
// makes the tarball (its prepack builds dist/), a scratch project in a temporary folder `npm install`s
// it, and then, from that project alone, a TypeScript file type-checks against the installed types,
// Node.js imports the package and signs in against the live service, and so does a page in headless
// Chromium, which loads the installed package's ESM through an import map, without a bundler.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYAML } from 'yaml';
import { launchChromium } from '../../../tests/browser/chromium.mjs';

const env = process.env;
const baseUrl = env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this test through scripts/with-live-service.sh');

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(pkgDir, '../..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];

let work; // the temporary folder: the tarball and the scratch project
let scratch;
let tarball;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'access-client-pack-'));
  const name = execFileSync(npm, ['pack', '--pack-destination', work, ...quiet], { cwd: pkgDir, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  tarball = join(work, name);
  scratch = join(work, 'scratch');
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  // openapi-fetch comes from npm's cache when the repository's tools were installed (npm ci).
  execFileSync(npm, ['install', '--prefer-offline', '--ignore-scripts', ...quiet, tarball], { cwd: scratch, stdio: 'pipe' });
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the package's version is the spec's info.version", () => {
  const spec = parseYAML(readFileSync(join(repo, 'openapi.yaml'), 'utf8'));
  assert.equal(pkg.version, spec.info.version, 'clients/typescript/package.json "version" must follow openapi.yaml info.version');
});

test('the tarball installs the built package: ESM and types, openapi-fetch as a dependency, no Node-only API', () => {
  const installed = join(scratch, 'node_modules', ...pkg.name.split('/'));
  const files = readdirSync(join(installed, 'dist')).sort();
  assert.deepEqual(files, ['index.d.ts', 'index.js', 'schema.gen.d.ts', 'schema.gen.js']);
  assert.ok(statSync(join(scratch, 'node_modules', 'openapi-fetch', 'package.json')).isFile(), 'openapi-fetch installed with it');
  for (const f of files.filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(installed, 'dist', f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // less comments
    assert.doesNotMatch(code, /\b(Buffer|process|require)\b|from 'node:/, `dist/${f} uses a Node-only API`);
  }
});

test('a TypeScript file in the scratch project type-checks against the installed types', () => {
  writeFileSync(
    join(scratch, 'check.ts'),
    `import { createAccessClient, requestToken, type Schemas } from '${pkg.name}';
const c = createAccessClient('http://127.0.0.1:1');
export async function me(): Promise<Schemas['User'] | undefined> {
  const t = await requestToken(c, 'id', 'secret', { grant_type: 'password', username: 'a@b.c', password: 'p' });
  const r = await createAccessClient('http://127.0.0.1:1', { token: t.data?.access_token ?? '' }).GET('/api/v1/users/me');
  return r.data;
}
// @ts-expect-error: a path the spec does not have
c.GET('/api/v1/no-such-path');
`,
  );
  const tsc = join(repo, 'node_modules', '.bin', 'tsc');
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { noEmit: true, strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022',
      lib: ['ES2022', 'DOM'], types: [], skipLibCheck: true },
    files: ['check.ts'],
  }));
  const args = ['-p', 'tsconfig.json'];
  try {
    execFileSync(tsc, args, { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc in the scratch project:\n${e.stdout}${e.stderr}`);
  }
});

// The same calls in Node.js and in the page: a sign-in with the password grant, then GET /api/v1/users/me.
const calls = (origin, cred) => `
import { createAccessClient, requestToken } from '${pkg.name}';
export async function run() {
  const tok = await requestToken(createAccessClient(${JSON.stringify(origin)}), ${JSON.stringify(cred.clientId)}, ${JSON.stringify(cred.clientSecret)}, {
    grant_type: 'password', username: ${JSON.stringify(cred.email)}, password: ${JSON.stringify(cred.password)},
  });
  if (!tok.data) return { step: 'token', status: tok.response.status, error: tok.error };
  const me = await createAccessClient(${JSON.stringify(origin)}, { token: tok.data.access_token }).GET('/api/v1/users/me');
  return me.data ? { step: 'me', status: me.response.status, email: me.data.email } : { step: 'me', status: me.response.status, error: me.error };
}
`;
const cred = { clientId: env.ACCESS_CLIENT_ID, clientSecret: env.ACCESS_CLIENT_SECRET, email: env.ACCESS_ADMIN_EMAIL, password: env.ACCESS_ADMIN_PASSWORD };

test('Node.js: the installed package signs in and reads GET /api/v1/users/me', () => {
  writeFileSync(join(scratch, 'calls.mjs'), calls(baseUrl, cred));
  writeFileSync(join(scratch, 'main.mjs'), "import { run } from './calls.mjs';\nconsole.log(JSON.stringify(await run()));\n");
  const out = execFileSync(process.execPath, ['main.mjs'], { cwd: scratch, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { step: 'me', status: 200, email: env.ACCESS_ADMIN_EMAIL });
});

test('Chromium: a page importing the installed package signs in and reads GET /api/v1/users/me', async () => {
  // The service sends no CORS headers, so the page is served from the origin that also forwards /api/
  // to the live service, as an application's own server or reverse proxy would.
  const entry = (name) => {
    const p = JSON.parse(readFileSync(join(scratch, 'node_modules', name, 'package.json'), 'utf8'));
    const e = p.exports?.['.'];
    const file = typeof e === 'string' ? e : (e?.browser ?? e?.import ?? e?.default ?? p.module ?? p.main);
    return `/node_modules/${name}/${file.replace(/^\.\//, '')}`;
  };
  const importMap = { imports: { [pkg.name]: entry(pkg.name), 'openapi-fetch': entry('openapi-fetch') } };
  const server = await serve(scratch, baseUrl);
  const origin = `http://127.0.0.1:${server.address().port}`;
  writeFileSync(join(scratch, 'browser-calls.mjs'), calls(origin, cred));
  writeFileSync(
    join(scratch, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>client</title><link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module">
import { run } from './browser-calls.mjs';
run().then((r) => { window.result = r; }, (e) => { window.result = { thrown: String(e && e.stack || e) }; });
</script>`,
  );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 60000 });
    const result = await page.evaluate(() => window.result);
    assert.deepEqual(result, { step: 'me', status: 200, email: env.ACCESS_ADMIN_EMAIL }, JSON.stringify(problems));
    assert.deepEqual(problems, []);
    assert.equal(await page.evaluate(() => typeof globalThis.Buffer), 'undefined', 'the page has no Buffer to lean on');
  } finally {
    await browser.close();
    server.close();
  }
});

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json' };

// A static server for root's files that forwards /api/ requests to upstream.
function serve(root, upstream) {
  const up = new URL(upstream);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/api/')) {
      const headers = { ...req.headers, host: up.host };
      const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      fwd.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      req.pipe(fwd);
      return;
    }
    const file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root + sep)) { res.writeHead(403); res.end(); return; }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}
