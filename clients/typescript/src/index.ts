// A typed client for the Access Service, for Node.js and browsers alike: it uses web APIs only (fetch,
// btoa). The types in schema.gen.ts are generated from openapi.yaml (`npm run generate:ts`, committed);
// openapi-fetch turns them into calls whose paths, parameters, bodies and responses the compiler checks.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.gen.js';

export type { components, paths };
export type Schemas = components['schemas'];
export type AccessClient = Client<paths>;

export interface ClientOptions {
  /** An access token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetch?: typeof globalThis.fetch;
}

/** A client for the service at baseUrl (for example http://127.0.0.1:8080). */
export function createAccessClient(baseUrl: string, options: ClientOptions = {}): AccessClient {
  const client = createClient<paths>(options.fetch ? { baseUrl, fetch: options.fetch } : { baseUrl });
  const token = options.token;
  if (token) {
    const bearer: Middleware = {
      onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${token}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}

export type TokenRequest = Schemas['TokenRequest'];
export type TokenResponse = Schemas['TokenResponse'];

/**
 * Calls the token endpoint (POST /api/oauth/token) as the client application clientId: the body is
 * form-encoded and the client's credentials go in HTTP Basic, as RFC 6749 asks.
 */
export async function requestToken(client: AccessClient, clientId: string, clientSecret: string, body: TokenRequest) {
  // RFC 6749 section 2.3.1: each part is form-encoded first, which leaves only ASCII for btoa (a
  // browser's and Node's global alike; Buffer is Node's alone).
  const basic = btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
  return client.POST('/api/oauth/token', {
    body,
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    bodySerializer: (b) => {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(b)) {
        if (v !== undefined) form.set(k, String(v));
      }
      return form;
    },
  });
}

function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}
