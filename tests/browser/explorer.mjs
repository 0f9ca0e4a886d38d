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

/** Authorizes the page with the client application's credentials under the clientBasic scheme. */
export async function authorizeClient(page, clientId, clientSecret) {
  await page.locator('.auth-wrapper button.authorize').click();
  const scheme = page.locator('.auth-container').filter({ hasText: 'clientBasic' });
  await scheme.locator('input#auth-basic-username').fill(clientId);
  await scheme.locator('input#auth-basic-password').fill(clientSecret);
  await scheme.locator('button.authorize').click();
  await scheme.locator('button', { hasText: 'Logout' }).waitFor();
  await scheme.locator('button.btn-done').click();
  await page.locator('.modal-ux').waitFor({ state: 'detached' });
}

/**
 * Expands an operation, presses "Try it out", fills the form fields of a form-encoded body (name →
 * value; the others are emptied, so they are not sent), presses "Execute", and returns the status
 * and body the page shows.
 */
export async function tryItOut(page, tag, operationId, form) {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator('.opblock-summary').click();
  await op.locator('button.try-out__btn').click();
  if (form) {
    const rows = op.locator('tr.parameters[data-property-name]');
    for (const row of await rows.all()) {
      const name = await row.getAttribute('data-property-name');
      await row.locator('input[type=text], input:not([type])').first().fill(form[name] ?? '');
    }
  }
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  const body = await op.locator('.live-responses-table .response-col_description pre').first().textContent();
  return { status: Number((await status.textContent()).trim()), body, op };
}
