// The account page in a real headless Chromium with JavaScript turned off, against a live service (run
// through scripts/with-live-service.sh): /account without a session is the sign-in page, which comes
// back to /account; the page shows the profile, the apps, MFA and sessions; "Sign out" in its header
// ends the session, and /account asks to sign in again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from './chromium.mjs';

const env = process.env;
const baseUrl = env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this test through scripts/with-live-service.sh');

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('sign in to the account page and sign out, without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  try {
    const page = await context.newPage();
    let response = await page.goto(`${baseUrl}/account`);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('input[name="return_to"]').getAttribute('value'), '/account');
    await page.fill('#username', env.ACCESS_ADMIN_EMAIL);
    await page.fill('#password', env.ACCESS_ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${baseUrl}/account`), page.click('button[type="submit"]')]);
    assert.equal(await page.locator('h1').textContent(), 'Your account');
    assert.match(await page.locator('main').textContent(), new RegExp(env.ACCESS_ADMIN_EMAIL.replace('.', '\\.')));
    for (const heading of ['Profile', 'Apps you approved', 'Multi-factor authentication', 'Sessions']) {
      assert.equal(await page.getByRole('heading', { name: heading }).count(), 1, heading);
    }
    const signOut = page.locator('header form.signout button');
    assert.equal(await signOut.textContent(), 'Sign out');
    await Promise.all([page.waitForURL(`${baseUrl}/api/oauth/logout`), signOut.click()]);
    assert.equal(await page.locator('h1').textContent(), 'Signed out');
    assert.equal((await context.cookies()).filter((c) => c.name === 'access_session').length, 0);
    response = await page.goto(`${baseUrl}/account`);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('form[action="/api/oauth/login"]').count(), 1, 'signed out: the sign-in page again');
  } finally {
    await context.close();
  }
});
