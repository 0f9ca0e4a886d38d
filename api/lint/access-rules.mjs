// Redocly CLI plugin: the rules of ours that Redocly's built-in and configurable rules cannot express.
// Loaded by ../redocly.yaml; see the rules section there.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function resolve(ctx, node) {
  if (node && typeof node === 'object' && typeof node.$ref === 'string') {
    return ctx.resolve(node).node;
  }
  return node;
}

function isSecured(root, op) {
  const reqs = op.security !== undefined ? op.security : root.security;
  // `security: []` or a requirement list holding `{}` (anonymous allowed) means no credentials needed.
  return Array.isArray(reqs) && reqs.length > 0 && !reqs.some((r) => r && Object.keys(r).length === 0);
}

function usesScheme(root, op, scheme) {
  const reqs = op.security !== undefined ? op.security : root.security;
  return Array.isArray(reqs) && reqs.some((r) => r && Object.prototype.hasOwnProperty.call(r, scheme));
}

function forEachOperation(root, fn) {
  for (const [path, item] of Object.entries(root.paths || {})) {
    for (const method of METHODS) {
      if (item && item[method]) fn(path, item, method, item[method]);
    }
  }
}

// access/operation-4xx-response: an operation that can be refused documents how. Any operation that
// takes credentials, parameters or a body documents at least one 4xx; one secured with a bearer token
// documents 401; one that takes a body documents 400.
function Operation4xxResponse() {
  return {
    Root: {
      leave(root, ctx) {
        forEachOperation(root, (path, item, method, op) => {
          const where = ['paths', path, method];
          const codes = Object.keys(op.responses || {}).map(String);
          const has = (code) => codes.includes(code);
          const params = [...(item.parameters || []), ...(op.parameters || [])];
          const takesInput = params.length > 0 || op.requestBody !== undefined;
          if ((isSecured(root, op) || takesInput) && !codes.some((c) => /^4(\d\d|XX)$/i.test(c))) {
            ctx.report({
              message: `${method.toUpperCase()} ${path} takes ${takesInput ? 'input' : 'credentials'} but documents no 4xx response.`,
              location: ctx.location.child([...where, 'responses']).key(),
            });
          }
          if (usesScheme(root, op, 'bearerAuth') && !has('401')) {
            ctx.report({
              message: `${method.toUpperCase()} ${path} is bearer-secured but documents no 401 response.`,
              location: ctx.location.child([...where, 'responses']).key(),
            });
          }
          if (op.requestBody !== undefined && !has('400')) {
            ctx.report({
              message: `${method.toUpperCase()} ${path} takes a body but documents no 400 response.`,
              location: ctx.location.child([...where, 'responses']).key(),
            });
          }
        });
      },
    },
  };
}

function hasExample(ctx, mediaType) {
  if (mediaType.example !== undefined) return true;
  if (mediaType.examples && Object.keys(mediaType.examples).length > 0) return true;
  const schema = resolve(ctx, mediaType.schema);
  return !!schema && schema.example !== undefined;
}

const isJSON = (name) => /^application\/(.+\+)?json(;.*)?$/i.test(name);

// access/media-type-examples: a reader of the explorer or of a generated client sees what goes in and
// what comes out. Every request body media type and every JSON response carries an example, on the
// media type or on its schema (no-invalid-*-examples then checks it against the schema).
function MediaTypeExamples() {
  return {
    Root: {
      leave(root, ctx) {
        forEachOperation(root, (path, item, method, op) => {
          const label = `${method.toUpperCase()} ${path}`;
          const body = resolve(ctx, op.requestBody);
          for (const [name, mt] of Object.entries((body && body.content) || {})) {
            if (!hasExample(ctx, mt || {})) {
              ctx.report({
                message: `${label}: the ${name} request body has no example.`,
                location: ctx.location.child(['paths', path, method, 'requestBody']).key(),
              });
            }
          }
          for (const [code, ref] of Object.entries(op.responses || {})) {
            const resp = resolve(ctx, ref) || {};
            for (const [name, mt] of Object.entries(resp.content || {})) {
              if (isJSON(name) && !hasExample(ctx, mt || {})) {
                const via = ref && ref.$ref ? ` (${ref.$ref})` : '';
                ctx.report({
                  message: `${label}: the ${code} ${name} response${via} has no example.`,
                  location: ctx.location.child(['paths', path, method, 'responses', code]).key(),
                });
              }
            }
          }
        });
      },
    },
  };
}

// access/operation-success-response: every operation documents how it succeeds, with a 2xx, or with a
// 3xx for the form posts of the authorization pages that answer with a redirect (post/redirect/get).
function OperationSuccessResponse() {
  return {
    Root: {
      leave(root, ctx) {
        forEachOperation(root, (path, item, method, op) => {
          const codes = Object.keys(op.responses || {}).map(String);
          if (!codes.some((c) => /^[23](\d\d|XX)$/i.test(c))) {
            ctx.report({
              message: `${method.toUpperCase()} ${path} documents no 2xx or 3xx response.`,
              location: ctx.location.child(['paths', path, method, 'responses']).key(),
            });
          }
        });
      },
    },
  };
}

export default function accessPlugin() {
  return {
    id: 'access',
    rules: {
      oas3: {
        'operation-4xx-response': Operation4xxResponse,
        'media-type-examples': MediaTypeExamples,
        'operation-success-response': OperationSuccessResponse,
      },
    },
  };
}
