// The API explorer in a real headless Chromium against a live service (run through
// scripts/with-live-service.sh): it loads the spec, lists every operation, and "Try it out" calls
// answer 200, with and without a token entered in the Authorize dialog.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from './chromium.mjs';
import { adminToken, authorizeBearer, openExplorer, tryItOut } from './explorer.mjs';

const baseUrl = process.env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this test through scripts/with-live-service.sh');

let browser;
let page;
let problems;

before(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  problems = await openExplorer(page, baseUrl);
});

after(async () => {
  await browser?.close();
});

test('the page lists every operation of the spec, grouped by tag', async () => {
  const spec = await (await fetch(`${baseUrl}/openapi.json`)).json();
  const expected = [];
  for (const item of Object.values(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(method)) {
        // Swagger UI shows an operation once under each of its tags.
        for (const tag of op.tags) expected.push(`operations-${tag.replace(/\s/g, '_')}-${op.operationId}`);
      }
    }
  }
  const shown = await page.locator('.opblock').evaluateAll((els) => els.map((e) => e.id));
  assert.deepEqual([...shown].sort(), [...expected].sort());
  assert.equal(await page.locator('.info .title').first().textContent().then((t) => t.startsWith(spec.info.title)), true);
});

test('"Try it out" on GET /api/v1/config answers 200', async () => {
  const { status, body } = await tryItOut(page, 'discovery', 'getPublicConfig');
  assert.equal(status, 200);
  assert.match(body, /passwordMinLength/);
});

test('after Authorize with a bearer token, "Try it out" on GET /api/v1/users/me answers 200', async () => {
  await authorizeBearer(page, await adminToken(baseUrl));
  const { status, body } = await tryItOut(page, 'users', 'getMe');
  assert.equal(status, 200);
  assert.match(body, new RegExp(process.env.ACCESS_ADMIN_EMAIL.replace('.', '\\.')));
});

test('the page ran without errors (no CSP violation, no failed request)', () => {
  assert.deepEqual(problems, []);
});
