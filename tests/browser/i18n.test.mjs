// The sign-in page in the browser's language, in a real headless Chromium against a live service (run
// through scripts/with-live-service.sh): an administrator uploads a Danish bundle through the API; a
// browser whose language is Danish sees its title and button, one whose language is English the
// built-in strings; the bundle is reset at the end, so the service's other tests see English.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { launchChromium } from './chromium.mjs';

const env = process.env;
const baseUrl = env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this test through scripts/with-live-service.sh');

const redirectUri = 'https://app.example/cb';
const app = { clientId: 'i18n-browser-test', secret: `i18n browser test secret ${randomBytes(12).toString('hex')}` };
const basic = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
// Markup in a bundle is text: the page shows it as written, never as elements.
const danish = { 'signIn.title': 'Log ind <b>her</b>', 'signIn.submit': 'Log ind' };

let browser;
let token;

async function api(method, path, body) {
  const r = await fetch(baseUrl + path, { method, headers: { authorization: `Bearer ${token}` }, body });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

before(async () => {
  browser = await launchChromium();
  const r = await fetch(baseUrl + '/api/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(env.ACCESS_CLIENT_ID, env.ACCESS_CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: env.ACCESS_ADMIN_EMAIL, password: env.ACCESS_ADMIN_PASSWORD }),
  });
  const admin = await r.json();
  assert.equal(r.status, 200, JSON.stringify(admin));
  token = admin.access_token;
  const registered = await fetch(baseUrl + '/api/v1/clientapps', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      appName: 'Languages browser test', clientId: app.clientId, clientSecret: app.secret,
      accessTokenValiditySeconds: 600, refreshTokenValiditySeconds: 3600,
      authorizedGrantTypes: ['authorization_code'], registeredRedirectUris: [redirectUri],
    }),
  });
  assert.ok(registered.status === 200 || registered.status === 201, await registered.text());
  const form = new FormData();
  form.append('file', new Blob([JSON.stringify(danish)], { type: 'application/json' }), 'da.json');
  const uploaded = await api('POST', '/api/v1/i18n/bundles/da', form);
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  assert.equal(uploaded.body.hasCustomBundle, true);
});

after(async () => {
  if (token) await api('PUT', '/api/v1/i18n/bundles/da/reset');
  await browser?.close();
});

async function signInPage(locale) {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const q = new URLSearchParams({
    response_type: 'code', client_id: app.clientId, redirect_uri: redirectUri, state: 'i18n',
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'), code_challenge_method: 'S256',
  });
  await page.goto(`${baseUrl}/api/oauth/authorize?${q}`);
  const shown = {
    lang: await page.getAttribute('html', 'lang'),
    title: await page.textContent('h1'),
    bold: await page.locator('h1 b').count(),
    button: await page.textContent('button[type=submit]'),
  };
  await context.close();
  return shown;
}

test('a browser asking for Danish sees the uploaded bundle on the sign-in page', async () => {
  const shown = await signInPage('da-DK');
  assert.deepEqual(shown, { lang: 'da', title: 'Log ind <b>her</b>', bold: 0, button: 'Log ind' });
});

test('a browser asking for English sees the built-in strings', async () => {
  const shown = await signInPage('en-GB');
  assert.deepEqual(shown, { lang: 'en-US', title: 'Sign in', bold: 0, button: 'Sign in' });
});
