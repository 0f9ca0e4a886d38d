// Takes a screenshot of the API explorer after a person's sign-in on the page and a "Try it out" of
// GET /api/v1/users/me, so a person can see the page. Run: scripts/with-live-service.sh node tests/browser/screenshot.mjs [OUT.png]
import { launchChromium } from './chromium.mjs';
import { authorizeBearer, authorizeClient, openExplorer, tryItOut } from './explorer.mjs';

const out = process.argv[2] || 'explorer.png';
const baseUrl = process.env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this script through scripts/with-live-service.sh');

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  await openExplorer(page, baseUrl);
  const env = process.env;
  // Sign in as a person would on the page: client credentials, the token endpoint, the bearer token.
  await authorizeClient(page, env.ACCESS_CLIENT_ID, env.ACCESS_CLIENT_SECRET);
  const token = await tryItOut(page, 'oauth', 'issueToken', {
    grant_type: 'password', username: env.ACCESS_ADMIN_EMAIL, password: env.ACCESS_ADMIN_PASSWORD,
  });
  if (token.status !== 200) throw new Error(`the token endpoint answered ${token.status} on the page: ${token.body}`);
  await token.op.locator('.opblock-summary').click(); // fold it again
  await authorizeBearer(page, JSON.parse(token.body).access_token);
  const { status, op } = await tryItOut(page, 'users', 'getMe');
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`screenshot: ${out} (GET /api/v1/users/me answered ${status} in the explorer)`);
} finally {
  await browser.close();
}
