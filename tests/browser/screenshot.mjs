// Takes a screenshot of the API explorer after a signed-in "Try it out" of GET /api/v1/users/me, so a
// person can see the page. Run: scripts/with-live-service.sh node tests/browser/screenshot.mjs [OUT.png]
import { launchChromium } from './chromium.mjs';
import { adminToken, authorizeBearer, openExplorer, tryItOut } from './explorer.mjs';

const out = process.argv[2] || 'explorer.png';
const baseUrl = process.env.ACCESS_BASE_URL;
if (!baseUrl) throw new Error('ACCESS_BASE_URL is not set: run this script through scripts/with-live-service.sh');

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  await openExplorer(page, baseUrl);
  await authorizeBearer(page, await adminToken(baseUrl));
  const { status, op } = await tryItOut(page, 'users', 'getMe');
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`screenshot: ${out} (GET /api/v1/users/me answered ${status} in the explorer)`);
} finally {
  await browser.close();
}
