// The browser's part of internal/oidc/browser_test.go (TestOIDCInChromium), which starts the service
// and a relying party built with golang.org/x/oauth2 and go-oidc, then runs this script: headless
// Chromium opens the relying party's login URL, is sent to the service's sign-in page, signs in, approves
// the app, and lands on the relying party's callback page, which shows the claims it verified. The
// script prints what it saw as one JSON line: {"url": ..., "claims": {...}} or {"error": ...}.
//
// Environment: RP_URL (the relying party), OIDC_EMAIL and OIDC_PASSWORD (the account).
import { launchChromium } from './chromium.mjs';

const { RP_URL: rp, OIDC_EMAIL: email, OIDC_PASSWORD: password } = process.env;
if (!rp || !email || !password) {
  console.log(JSON.stringify({ error: 'RP_URL, OIDC_EMAIL and OIDC_PASSWORD must be set: run through TestOIDCInChromium' }));
  process.exit(2);
}

const browser = await launchChromium();
let out;
try {
  const page = await browser.newPage();
  await page.goto(`${rp}/login`);
  // The service's sign-in page: the app's request rides in its hidden fields.
  await page.fill('#username', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  // The approval page, naming the OpenID Connect scopes in words.
  await page.waitForSelector('button[value=approve]');
  const scopes = await page.locator('ul.scopes').innerText();
  await page.click('button[value=approve]');
  await page.waitForURL(`${rp}/callback**`);
  const claims = JSON.parse(await page.locator('#claims').innerText());
  out = { url: page.url(), scopes, claims };
} catch (e) {
  out = { error: String(e && e.stack || e) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(out.error ? 1 : 0);
