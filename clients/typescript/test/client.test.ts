// Runs the generated client against a live service (scripts/with-live-service.sh starts one and sets
// the ACCESS_* variables): a public call, a sign-in, and a signed-in call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccessClient, requestToken } from '../src/index.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through scripts/with-live-service.sh`);
  return v;
}

const baseUrl = env('ACCESS_BASE_URL');

test('GET /api/v1/config needs no token', async () => {
  const { data, error, response } = await createAccessClient(baseUrl).GET('/api/v1/config');
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assert.equal(data.passwordMinLength, 12);
  assert.ok(data.passwordMaxLength >= data.passwordMinLength);
});

test('sign in with the password grant, then GET /api/v1/users/me', async () => {
  const anon = createAccessClient(baseUrl);
  const email = env('ACCESS_ADMIN_EMAIL');
  const tok = await requestToken(anon, env('ACCESS_CLIENT_ID'), env('ACCESS_CLIENT_SECRET'), {
    grant_type: 'password',
    username: email,
    password: env('ACCESS_ADMIN_PASSWORD'),
  });
  assert.equal(tok.response.status, 200, JSON.stringify(tok.error));
  assert.ok(tok.data);
  assert.equal(tok.data.token_type, 'bearer');

  const me = await createAccessClient(baseUrl, { token: tok.data.access_token }).GET('/api/v1/users/me');
  assert.equal(me.response.status, 200, JSON.stringify(me.error));
  assert.ok(me.data);
  assert.equal(me.data.email, email);
  assert.equal(me.data.safeShareAdmin, true);
});

test('a wrong client secret is refused with invalid_client', async () => {
  const tok = await requestToken(createAccessClient(baseUrl), env('ACCESS_CLIENT_ID'), 'not the secret', {
    grant_type: 'password',
    username: env('ACCESS_ADMIN_EMAIL'),
    password: env('ACCESS_ADMIN_PASSWORD'),
  });
  assert.equal(tok.response.status, 401);
  assert.ok(tok.error && 'error' in tok.error, 'an RFC 6749 error body');
  assert.equal(tok.error.error, 'invalid_client');
});
