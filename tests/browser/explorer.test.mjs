// The API explorer in a real headless Chromium against a live service (run through
// scripts/with-live-service.sh): it loads the spec, lists every operation, and "Try it out" calls
// answer 200: a public one, and a person's whole sign-in done on the page (client credentials in the
// Authorize dialog, the token endpoint, the token in the Authorize dialog, a signed-in call).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from './chromium.mjs';
import { authorizeBearer, authorizeClient, openExplorer, tryItOut } from './explorer.mjs';

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

test('a person signs in on the page: the token endpoint, then Authorize, then GET /api/v1/users/me answers 200', async () => {
  const env = process.env;
  await authorizeClient(page, env.ACCESS_CLIENT_ID, env.ACCESS_CLIENT_SECRET);
  const token = await tryItOut(page, 'oauth', 'issueToken', {
    grant_type: 'password',
    username: env.ACCESS_ADMIN_EMAIL,
    password: env.ACCESS_ADMIN_PASSWORD,
  });
  assert.equal(token.status, 200, token.body);
  const { access_token: accessToken, token_type: tokenType } = JSON.parse(token.body);
  assert.equal(tokenType, 'bearer');

  await authorizeBearer(page, accessToken);
  const { status, body } = await tryItOut(page, 'users', 'getMe');
  assert.equal(status, 200, body);
  assert.equal(JSON.parse(body).email, env.ACCESS_ADMIN_EMAIL);
});

test('the page ran without errors (no CSP violation, no failed request)', () => {
  assert.deepEqual(problems, []);
});
