// Steps a person takes on the API explorer (/docs, Swagger UI), for the browser test and the
// screenshot script.

/** Opens the explorer and waits until it lists the operations; collects the page's errors. */
export async function openExplorer(page, baseUrl) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(`${baseUrl}/docs`);
  await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
  return problems;
}

/** Authorizes the page with an access token under the spec's bearerAuth scheme. */
export async function authorizeBearer(page, token) {
  await page.locator('.auth-wrapper button.authorize').click();
  const scheme = page.locator('.auth-container').filter({ hasText: 'bearerAuth' });
  await scheme.locator('input#auth-bearer-value').fill(token);
  await scheme.locator('button.authorize').click();
  await scheme.locator('button', { hasText: 'Logout' }).waitFor(); // the scheme now shows as authorized
  await scheme.locator('button.btn-done').click();
  await page.locator('.modal-ux').waitFor({ state: 'detached' });
}

/** Expands an operation, presses "Try it out" and "Execute", and returns the status the page shows. */
export async function tryItOut(page, tag, operationId) {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator('.opblock-summary').click();
  await op.locator('button.try-out__btn').click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  const body = await op.locator('.live-responses-table .response-col_description pre').first().textContent();
  return { status: Number((await status.textContent()).trim()), body, op };
}

/** A token for the live service's bootstrap administrator (see scripts/with-live-service.sh). */
export async function adminToken(baseUrl) {
  const basic = Buffer.from(`${process.env.ACCESS_CLIENT_ID}:${process.env.ACCESS_CLIENT_SECRET}`).toString('base64');
  const resp = await fetch(`${baseUrl}/api/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: process.env.ACCESS_ADMIN_EMAIL,
      password: process.env.ACCESS_ADMIN_PASSWORD,
    }),
  });
  if (!resp.ok) throw new Error(`password grant: ${resp.status} ${await resp.text()}`);
  return (await resp.json()).access_token;
}
