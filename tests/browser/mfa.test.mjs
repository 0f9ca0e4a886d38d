// Multi-factor sign-in in a real headless Chromium against a live service (run through
// scripts/with-live-service.sh, on a service of its own: it turns the administrator's MFA on). The
// administrator pairs an authenticator through the API, then signs in to a third-party app in the
// browser: the password, the Authentication code page (a wrong code first, then the code of the test's
// own TOTP generator, the otpauth package), the approval page; the code's exchange answers a token
// whose amr says the second factor was given.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { launchChromium } from './chromium.mjs';

const env = process.env;
const baseUrl = env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this test through scripts/with-live-service.sh');

const redirectUri = 'https://app.example/cb';
const app = { clientId: 'mfa-browser-test', secret: `mfa browser test secret ${randomBytes(12).toString('hex')}` };
const basic = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');

async function form(path, auth, fields) {
  const r = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: r.status, body: await r.json() };
}

async function api(method, path, token, body) {
  const r = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

// The code the authenticator app shows `steps` periods of 30 s from now.
const codeOf = (totp, steps) => totp.generate({ timestamp: Date.now() + steps * 30_000 });
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

let browser;
let totp;

before(async () => {
  browser = await launchChromium();
  const admin = await form('/api/oauth/token', basic(env.ACCESS_CLIENT_ID, env.ACCESS_CLIENT_SECRET), {
    grant_type: 'password', username: env.ACCESS_ADMIN_EMAIL, password: env.ACCESS_ADMIN_PASSWORD,
  });
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  const token = admin.body.access_token;
  const registered = await api('POST', '/api/v1/clientapps', token, {
    appName: 'MFA browser test', clientId: app.clientId, clientSecret: app.secret, clientDescription: 'Signs in with a code',
    accessTokenValiditySeconds: 600, refreshTokenValiditySeconds: 3600,
    authorizedGrantTypes: ['authorization_code'], registeredRedirectUris: [redirectUri],
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body)); // creating POSTs answer 200 (contract §6)
  const pairing = await api('POST', '/api/v1/users/me/mfa', token);
  assert.equal(pairing.status, 200, JSON.stringify(pairing.body));
  assert.match(pairing.body.qrCode, /^data:image\/png;base64,/);
  totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(pairing.body.key), digits: 6, period: 30, algorithm: 'SHA1' });
  const confirmed = await api('PUT', '/api/v1/users/me/mfa', token, { code: codeOf(totp, -1) });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.configured, true);
});

after(async () => {
  await browser?.close();
});

test('the password grant now answers a restrictive token', async () => {
  const r = await form('/api/oauth/token', basic(env.ACCESS_CLIENT_ID, env.ACCESS_CLIENT_SECRET), {
    grant_type: 'password', username: env.ACCESS_ADMIN_EMAIL, password: env.ACCESS_ADMIN_PASSWORD,
  });
  assert.equal(r.status, 200);
  assert.equal(r.body.mfa_required, true);
  assert.equal(r.body.refresh_token, undefined);
  const me = await fetch(`${baseUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${r.body.access_token}` } });
  assert.equal(me.status, 401);
});

test('a browser signs in with the password, then the Authentication code, then approves', async () => {
  const page = await browser.newPage();
  let landed;
  // The app's redirect URI is not a real site: the browser's visit there is answered here, and read.
  await page.route('https://app.example/**', (route) => {
    landed = new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' });
  });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({
    response_type: 'code', client_id: app.clientId, redirect_uri: redirectUri, state: 'mfa-state',
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  await page.goto(`${baseUrl}/api/oauth/authorize?${q}`);
  await page.fill('#username', env.ACCESS_ADMIN_EMAIL);
  await page.fill('#password', env.ACCESS_ADMIN_PASSWORD);
  await page.click('button[type=submit]');

  await page.waitForSelector('h1:has-text("Authentication code")');
  assert.match(await page.textContent('main'), /Multi-factor authentication is enabled on your account/);
  assert.equal(await page.isVisible('summary:has-text("Need help?")'), true);
  await page.fill('#code', '000000');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]');
  assert.match(await page.textContent('[role=alert]'), /not right/);

  await page.fill('#code', codeOf(totp, 0));
  await page.click('button[type=submit]');
  await page.waitForSelector('button[value=approve]');
  assert.match(await page.textContent('main'), /MFA browser test/);
  await page.click('button[value=approve]');
  await page.waitForURL('https://app.example/**');

  assert.equal(landed.searchParams.get('state'), 'mfa-state');
  const code = landed.searchParams.get('code');
  assert.ok(code);
  const exchanged = await form('/api/oauth/token', basic(app.clientId, app.secret), {
    grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
  });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  assert.equal(exchanged.body.mfa_required, undefined);
  assert.deepEqual(claims(exchanged.body.access_token).amr, ['pwd', 'otp']);
  await page.close();
});
