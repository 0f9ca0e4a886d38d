// Every page the service renders, in a real headless Chromium against a live service of its own (run
// through scripts/with-live-service.sh with ACCESS_SMTP_URL=smtp://127.0.0.1:PORT, a port this test
// listens on to read the emailed links; it turns the administrator's MFA on):
//  - each page is reached by driving its real flow in a browser context with JavaScript DISABLED
//    (forms posted, links followed), so the page works without it;
//  - axe-core checks it against the WCAG 2.1 A and AA rules (and axe's best practices) and every
//    violation fails the test, listed with where and why;
//  - it is screenshot at 1280x800 and at 375x812 into test-results/pages/ and the screenshots are
//    checked: no horizontal overflow, the main heading and the primary control in the first screen,
//    not blank, and the theme's application name shown.
//
// How axe runs on a page seen without JavaScript: axe-core needs script execution (its run is
// asynchronous, on timers), which the no-JS context does not give; and injecting it there with a
// script tag would not run either. So the page's DOM as the no-JS browser has it (page.content()) is
// replayed at the same URL in a second, JavaScript-enabled context, with `script-src 'none'` added
// to the service's own Content-Security-Policy: any script of the page stays off (what axe sees is
// what a browser without JavaScript shows), while axe-core's source is evaluated through the DevTools
// protocol (page.evaluate), which the page's policy does not govern.
//
// Pages being built by other helpers are in the table as not `required`: while their route answers
// 404 or a 5xx (the stubs), the test prints "pending: <page>" and is skipped; a `required` page whose
// route is missing fails.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { launchChromium } from './chromium.mjs';
import { pngStats } from './png.mjs';
import { startSmtp } from './smtp.mjs';

const env = process.env;
const baseUrl = env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this test through scripts/with-live-service.sh');

const outDir = resolve(env.PAGES_SCREENSHOT_DIR || 'test-results/pages');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// The WCAG 2.1 A and AA rules, and axe's best practices (landmarks, one main heading, heading order,
// content in landmarks), which these small pages meet too.
const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const viewports = [{ width: 1280, height: 800 }, { width: 375, height: 812 }];

const redirectUri = 'https://app.example/cb';
const app = { clientId: 'pages-browser-test', secret: `pages browser test secret ${randomBytes(12).toString('hex')}`, name: 'Pages test app' };
const applicationName = 'Acme Share';
const theme = {
  applicationName, adminEmail: 'help@acme.example', supportLink: 'https://acme.example/support',
  legalUrl: 'https://acme.example/legal', privacyUrl: 'https://acme.example/privacy', companyName: 'Acme Ltd', copyright: '© 2025 Acme Ltd',
};
const setupUser = 'mfa-setup@acme.example'; // a second administrator, whose MFA another turns on: the set-up link

const basic = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
const codeOf = (totp, steps = 0) => totp.generate({ timestamp: Date.now() + steps * 30_000 });

let adminToken;
let adminTotp;
let smtp;
let smtpProblem = '';
let browser;
let checker; // the JavaScript-enabled context that replays a page for axe
const contexts = [];

async function api(method, path, body, type = 'application/json') {
  const r = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
  });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: r.status, body: json };
}

/** A new browser context without JavaScript, and its page, which remembers its last navigation's response. */
async function noJsPage() {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: viewports[0], locale: 'en-US' });
  contexts.push(context);
  // The app's redirect URI is not a real site: the browser's visit there is answered here.
  await context.route('https://app.example/**', (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' }));
  const page = await context.newPage();
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) page.lastResponse = r;
  });
  return page;
}

function authorizeQuery(clientId = app.clientId) {
  const verifier = randomBytes(32).toString('base64url');
  return new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'pages-state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
}

/** Submits the page's form by clicking the button and waits for the page it leads to. */
async function submit(page, button = 'main form button[type=submit]') {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

// The MFA sign-in journey: one no-JS browser goes through the pages in order, each test taking it
// one step further (sign-in, wrong password, code page, approval).
let journey;

// The set-up link's browser (the emailed link, then its form).
let setupPage;
let setupKey;

/**
 * The pages. open(): the page (a no-JS Playwright page) showing it, reached through its real flow;
 * status: what its last navigation must answer; heading: text of its h1 (a RegExp); primary: the
 * form control a person uses first (null: a page without a form); probe: for pages being built, a
 * path whose 404 or 5xx says the route is not there yet; required: false while it is pending.
 */
const pages = [
  {
    name: 'sign-in', slug: 'signin', required: true, status: 200, heading: /^Sign in$/, primary: '#username',
    async open() {
      journey = await noJsPage();
      await journey.goto(`${baseUrl}/api/oauth/authorize?${authorizeQuery()}`);
      return journey;
    },
  },
  {
    name: 'sign-in with an error (wrong password)', slug: 'signin-error', required: true, status: 401, heading: /^Sign in$/, primary: '#password',
    async open() {
      await journey.fill('#username', env.ACCESS_ADMIN_EMAIL);
      await journey.fill('#password', 'not the password');
      await submit(journey);
      assert.match(await journey.textContent('[role=alert]'), /not right/);
      return journey;
    },
  },
  {
    name: 'Authentication code (MFA)', slug: 'mfa-code', required: true, status: 200, heading: /^Authentication code$/, primary: '#code',
    async open() {
      await journey.fill('#username', env.ACCESS_ADMIN_EMAIL);
      await journey.fill('#password', env.ACCESS_ADMIN_PASSWORD);
      await submit(journey);
      return journey;
    },
  },
  {
    name: 'Authentication code with a wrong code', slug: 'mfa-code-error', required: true, status: 401, heading: /^Authentication code$/, primary: '#code',
    async open() {
      await journey.fill('#code', '000000');
      await submit(journey);
      assert.match(await journey.textContent('[role=alert]'), /not right/);
      return journey;
    },
  },
  {
    name: 'approval (a third-party app)', slug: 'approve', required: true, status: 200, heading: new RegExp(`^${app.name} wants to access`), primary: 'button[value=approve]',
    async open() {
      await journey.fill('#code', codeOf(adminTotp));
      await submit(journey);
      return journey;
    },
    async afterwards(page) {
      // The approval's form works without JavaScript too: the browser lands at the app with a code.
      await page.click('button[value=approve]');
      await page.waitForURL('https://app.example/**');
      const landed = new URL(page.url());
      assert.equal(landed.origin + landed.pathname, redirectUri);
      assert.equal(landed.searchParams.get('state'), 'pages-state');
      assert.ok(landed.searchParams.get('code'));
    },
  },
  {
    name: 'error: unknown client (400)', slug: 'error-400', required: true, status: 400, heading: /^This sign-in request cannot go on$/, primary: null,
    async open() {
      const page = await noJsPage();
      await page.goto(`${baseUrl}/api/oauth/authorize?${authorizeQuery('no-such-client')}`);
      return page;
    },
  },
  {
    name: 'error: form refused, CSRF (403)', slug: 'error-403', required: true, status: 403, heading: /^Request refused$/, primary: null,
    async open() {
      const page = await noJsPage();
      await page.goto(`${baseUrl}/api/oauth/authorize?${authorizeQuery()}`);
      await page.fill('#username', env.ACCESS_ADMIN_EMAIL);
      await page.fill('#password', env.ACCESS_ADMIN_PASSWORD);
      await page.context().clearCookies(); // the form's CSRF cookie is gone (expired, say)
      await submit(page);
      return page;
    },
  },
  {
    name: 'MFA set-up (the emailed link)', slug: 'mfa-setup', required: true, status: 200, heading: /^Set up multi-factor authentication$/, primary: '#code',
    async open() {
      assert.ok(smtp, smtpProblem);
      const [, token] = await smtp.find(setupUser, /\/api\/oauth\/mfa\/setup\?token=([A-Za-z0-9_-]+)/);
      setupPage = await noJsPage();
      await setupPage.goto(`${baseUrl}/api/oauth/mfa/setup?token=${token}`);
      setupKey = (await setupPage.textContent('code.key')).trim();
      // The QR code is shown (the page's Content-Security-Policy lets its data: image load).
      assert.ok(await setupPage.$eval('p.qr img', (img) => img.complete && img.naturalWidth > 0), 'the QR code image did not load');
      return setupPage;
    },
  },
  {
    name: 'MFA set-up with a wrong code', slug: 'mfa-setup-error', required: true, status: 401, heading: /^Set up multi-factor authentication$/, primary: '#code',
    async open() {
      assert.ok(setupPage, 'the set-up page did not open');
      await setupPage.fill('#code', '000000');
      await submit(setupPage);
      assert.match(await setupPage.textContent('[role=alert]'), /not right/);
      return setupPage;
    },
  },
  {
    name: 'MFA set-up done', slug: 'mfa-setup-done', required: true, status: 200, heading: /./, primary: null,
    async open() {
      assert.ok(setupPage, 'the set-up page did not open');
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setupKey.replace(/\s/g, '')), digits: 6, period: 30, algorithm: 'SHA1' });
      await setupPage.fill('#code', codeOf(totp));
      await submit(setupPage);
      return setupPage;
    },
  },
  // The pages of issue 21: the account page, sign-out, and the password links.
  {
    name: 'account, signed in', slug: 'account', required: true, probe: '/account', status: 200, heading: /^Your account$/, primary: 'main form button[type=submit]',
    async open() {
      // The journey's browser approved the app above, so it holds a sign-in session.
      assert.ok(journey, 'the sign-in journey did not run');
      await journey.goto(`${baseUrl}/account`);
      return journey;
    },
  },
  {
    name: 'account, signed out (asks to sign in)', slug: 'account-signed-out', required: true, probe: '/account', status: 200, heading: /^Sign in$/, primary: 'input[type=email]',
    async open() {
      const page = await noJsPage();
      await page.goto(`${baseUrl}/account`);
      return page;
    },
  },
  {
    name: 'sign-out confirmation', slug: 'signout-confirm', required: true, probe: '/api/oauth/logout', status: 200, heading: /^Sign out\?$/, primary: 'main form button[type=submit]',
    async open() {
      assert.ok(journey, 'the sign-in journey did not run');
      await journey.goto(`${baseUrl}/api/oauth/logout`);
      return journey;
    },
  },
  {
    name: 'signed out', slug: 'signed-out', required: true, probe: '/api/oauth/logout', status: 200, heading: /^Signed out$/, primary: null,
    async open() {
      const page = await noJsPage(); // no session: the signed-out page
      await page.goto(`${baseUrl}/api/oauth/logout`);
      return page;
    },
  },
  {
    name: 'forgot password', slug: 'password-forgot', required: true, probe: '/api/oauth/password/forgot', status: 200, heading: /^Forgot your password\?$/, primary: 'input[type=email]',
    async open() {
      const page = await noJsPage();
      await page.goto(`${baseUrl}/api/oauth/password/forgot`);
      return page;
    },
  },
  {
    name: 'choose a password (the emailed link)', slug: 'password-choose', required: true, probe: '/api/oauth/password/choose?token=pending-probe', status: 200, heading: /^Choose a new password$/, primary: 'input[type=password]',
    async open() {
      assert.ok(smtp, smtpProblem);
      const page = await noJsPage();
      await page.goto(`${baseUrl}/api/oauth/password/forgot`);
      await page.fill('main form input[type=email]', setupUser);
      await submit(page);
      const [, token] = await smtp.find(setupUser, /\/api\/oauth\/password\/choose\?token=([A-Za-z0-9_-]+)/);
      await page.goto(`${baseUrl}/api/oauth/password/choose?token=${token}`);
      return page;
    },
  },
];

before(async () => {
  mkdirSync(outDir, { recursive: true });
  console.log(`pages: screenshots in ${outDir}`);
  if (env.ACCESS_SMTP_URL) {
    const port = Number(new URL(env.ACCESS_SMTP_URL).port);
    smtp = await startSmtp(port);
  } else {
    smtpProblem = 'ACCESS_SMTP_URL is not set: run with ACCESS_SMTP_URL=smtp://127.0.0.1:PORT (a free port this test listens on) to reach the emailed links';
  }
  browser = await launchChromium();
  checker = await browser.newContext({ javaScriptEnabled: true });

  const r = await fetch(baseUrl + '/api/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(env.ACCESS_CLIENT_ID, env.ACCESS_CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: env.ACCESS_ADMIN_EMAIL, password: env.ACCESS_ADMIN_PASSWORD }),
  });
  const admin = await r.json();
  assert.equal(r.status, 200, JSON.stringify(admin));
  adminToken = admin.access_token;

  // A theme with every footer item, so the pages show (and axe checks) them.
  for (const [property, value] of Object.entries(theme)) {
    const set = await api('PUT', `/api/v1/config/theme/${property}`, value, 'text/plain');
    assert.equal(set.status, 200, `${property}: ${JSON.stringify(set.body)}`);
  }
  const registered = await api('POST', '/api/v1/clientapps', {
    appName: app.name, clientId: app.clientId, clientSecret: app.secret, clientDescription: 'Checks every page',
    accessTokenValiditySeconds: 600, refreshTokenValiditySeconds: 3600,
    authorizedGrantTypes: ['authorization_code'], registeredRedirectUris: [redirectUri],
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));

  // Another administrator turns MFA on for a second one: the service emails them a set-up link.
  const second = await api('PUT', '/api/v1/users', { email: setupUser, safeShareAdmin: true });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  const on = await api('PUT', `/api/v1/users/${second.body.id}`, { mfaEnabled: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));

  // Last (it makes the password grant's tokens restrictive): the administrator pairs an authenticator.
  const pairing = await api('POST', '/api/v1/users/me/mfa');
  assert.equal(pairing.status, 200, JSON.stringify(pairing.body));
  adminTotp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(pairing.body.key), digits: 6, period: 30, algorithm: 'SHA1' });
  const confirmed = await api('PUT', '/api/v1/users/me/mfa', { code: codeOf(adminTotp, -1) });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await smtp?.close();
});

test('the browser contexts the pages are seen in run no JavaScript', async () => {
  const page = await noJsPage();
  await page.goto(`${baseUrl}/api/oauth/authorize?${authorizeQuery()}`);
  // A script added to the page does not run (the check itself is evaluated through the DevTools protocol).
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.scriptRan = true';
    document.head.append(s);
    return window.scriptRan === true;
  });
  assert.equal(ran, false);
});

/** Runs axe-core on the page's DOM, replayed with scripts off in the JavaScript-enabled checker. */
async function axeViolations(page) {
  const url = page.url();
  const html = await page.content();
  const response = page.lastResponse;
  const policy = response?.headers()['content-security-policy'];
  const replay = await checker.newPage();
  try {
    await replay.route((u) => u.href === url, (route) => route.fulfill({
      status: response?.status() ?? 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': [policy, "script-src 'none'"].filter(Boolean).join(', '),
      },
      body: html,
    }));
    await replay.goto(url);
    assert.equal(await replay.textContent('main h1'), await page.textContent('main h1'), 'the replay shows another page');
    await replay.evaluate(axeSource);
    return await replay.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      }));
    }, axeTags);
  } finally {
    await replay.close();
  }
}

function readable(violations) {
  return violations.map((v) => [
    `  ${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes.map((n) => `    at ${n.target}: ${n.summary.replace(/\n\s*/g, ' ')}`),
  ].join('\n')).join('\n');
}

/** The layout checks at the page's current viewport; returns the problems found. */
async function layoutProblems(page, spec, viewport) {
  const problems = [];
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, innerHeight: window.innerHeight,
    text: document.body.innerText, title: document.title,
  }));
  if (m.scrollWidth > m.innerWidth) problems.push(`horizontal overflow: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`);
  const inView = async (selector, what) => {
    const el = page.locator(selector).first();
    if ((await el.count()) === 0) return problems.push(`no ${what} (${selector})`);
    if (!(await el.isVisible())) return problems.push(`the ${what} (${selector}) is not visible`);
    const box = await el.boundingBox();
    if (!box || box.x < 0 || box.y < 0 || box.x + box.width > m.innerWidth || box.y + box.height > m.innerHeight) {
      problems.push(`the ${what} (${selector}) is not in the first screen at ${viewport.width}x${viewport.height}: ${JSON.stringify(box)}`);
    }
  };
  await inView('main h1', 'main heading');
  if (spec.primary) await inView(spec.primary, 'primary control');
  if (!m.text.includes(applicationName)) problems.push(`the page does not show the application name "${applicationName}"`);
  if (!m.title.includes(applicationName)) problems.push(`the title "${m.title}" does not name the application "${applicationName}"`);
  return problems;
}

for (const spec of pages) {
  test(`page: ${spec.name}`, async (t) => {
    if (spec.probe) {
      const answer = await fetch(baseUrl + spec.probe, { redirect: 'manual' });
      if (answer.status === 404 || answer.status >= 500) {
        const why = `${spec.probe} answers ${answer.status}`;
        console.log(`pending: ${spec.name} (${why})`);
        if (spec.required) assert.fail(`the page "${spec.name}" is required but not there: ${why}`);
        t.skip(`pending: ${why}`);
        return;
      }
    }
    const page = await spec.open();
    await page.setViewportSize(viewports[0]);
    assert.equal(page.lastResponse?.status(), spec.status, `${spec.name}: ${page.url()} answered ${page.lastResponse?.status()}`);
    assert.match((await page.textContent('main h1')).trim(), spec.heading);

    await t.test('axe-core: no violation of WCAG 2.1 A and AA or of best practice', async () => {
      const violations = await axeViolations(page);
      assert.ok(violations.length === 0, `${spec.name} (${page.url()}): ${violations.length} accessibility violation(s):\n${readable(violations)}`);
    });

    await t.test('screenshots at 1280x800 and 375x812', async () => {
      const problems = [];
      for (const viewport of viewports) {
        await page.setViewportSize(viewport);
        await page.evaluate(() => window.scrollTo(0, 0));
        problems.push(...(await layoutProblems(page, spec, viewport)).map((p) => `${viewport.width}x${viewport.height}: ${p}`));
        const file = join(outDir, `${spec.slug}-${viewport.width}x${viewport.height}.png`);
        const png = await page.screenshot({ fullPage: true });
        writeFileSync(file, png);
        const stats = pngStats(png);
        if (stats.width !== viewport.width || stats.height < viewport.height) problems.push(`${file}: ${stats.width}x${stats.height}, not ${viewport.width} wide and at least ${viewport.height} high`);
        // A page of text on a card: many colours (anti-aliased text) and a few per cent of the pixels
        // not the background's.
        if (stats.colours < 16 || stats.inked < 0.02) problems.push(`${file} looks blank: ${stats.colours} colours, ${(stats.inked * 100).toFixed(2)}% not background`);
      }
      await page.setViewportSize(viewports[0]);
      assert.deepEqual(problems, []);
    });

    if (spec.afterwards) await spec.afterwards(page);
  });
}
