// The spec's gates must bite. Each case below lints (or diffs) a copy of openapi.yaml broken in one
// way and expects the gate to fail on exactly the rule that was broken; the real openapi.yaml, and a
// copy with a well-formed extra operation, must pass. Run by scripts/api-gates.sh.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import YAML from 'yaml';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const spec = () => YAML.parse(readFileSync(join(root, 'openapi.yaml'), 'utf8'));
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

async function lint(doc) {
  const dir = mkdtempSync(join(tmpdir(), 'spec-lint-'));
  const file = join(dir, 'openapi.yaml');
  writeFileSync(file, typeof doc === 'string' ? doc : YAML.stringify(doc));
  const redocly = join(root, 'node_modules', '.bin', 'redocly');
  try {
    const { stdout, stderr } = await run(redocly, ['lint', '--config', join(root, 'api', 'redocly.yaml'), '--format', 'stylish', file], { env });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

// api/.redocly.lint-ignore.yaml lets openapi.yaml keep some components unused for now; it names
// openapi.yaml only, so a copy drops its unused components to be judged on the one broken rule alone.
function withoutUnusedComponents(doc) {
  for (;;) {
    const text = JSON.stringify(doc);
    let removed = false;
    for (const kind of ['schemas', 'responses', 'parameters', 'examples', 'requestBodies', 'headers']) {
      for (const name of Object.keys(doc.components?.[kind] || {})) {
        if (!text.includes(`"#/components/${kind}/${name}"`)) {
          delete doc.components[kind][name];
          removed = true;
        }
      }
    }
    if (!removed) return doc;
  }
}

// A well-formed operation, to be broken one way at a time.
function probe() {
  return {
    operationId: 'lintProbe',
    tags: ['discovery'],
    summary: 'A probe operation of the lint self-test',
    responses: {
      200: {
        description: 'OK',
        content: { 'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } } }, example: { n: 1 } } },
      },
      401: { $ref: '#/components/responses/Unauthorized' },
    },
  };
}

function withProbe(change) {
  const doc = withoutUnusedComponents(spec());
  const op = probe();
  change(op, doc);
  doc.paths['/api/v1/lint-probe'] = { get: op };
  return doc;
}

test('openapi.yaml passes the lint', async () => {
  const redocly = join(root, 'node_modules', '.bin', 'redocly');
  const code = await run(redocly, ['lint', '--config', join(root, 'api', 'redocly.yaml'), join(root, 'openapi.yaml')], { env }).then(
    () => 0,
    (e) => { console.log(e.stdout, e.stderr); return e.code; },
  );
  assert.equal(code, 0);
});

test('a copy with a well-formed extra operation passes', async () => {
  const { code, out } = await lint(withProbe(() => {}));
  assert.equal(code, 0, out);
});

const broken = [
  ['an operation without operationId', 'operation-operationId', (op) => delete op.operationId],
  ['two operations with one operationId', 'operation-operationId-unique', (op) => (op.operationId = 'getMe')],
  ['an operation without summary', 'operation-summary', (op) => delete op.summary],
  ['an operation without tags', 'rule/operation-has-tag', (op) => delete op.tags],
  ['an operation with a tag the document does not define', 'operation-tag-defined', (op) => (op.tags = ['nowhere'])],
  ['a bearer-secured operation with no 4xx response', 'access/operation-4xx-response', (op) => delete op.responses[401]],
  ['an operation with a parameter and no 4xx response', 'access/operation-4xx-response', (op) => {
    op.security = [];
    delete op.responses[401];
    op.parameters = [{ name: 'q', in: 'query', schema: { type: 'string' }, example: 'x' }];
  }],
  ['a JSON response without an example', 'access/media-type-examples', (op) => delete op.responses[200].content['application/json'].example],
  ['a request body without an example', 'access/media-type-examples', (op) => {
    op.requestBody = { content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } } };
    op.responses[400] = { $ref: '#/components/responses/BadRequest' };
  }],
  ['an example that does not match its schema', 'no-invalid-media-type-examples', (op) => (op.responses[200].content['application/json'].example = { n: 'one' })],
  ['an unused component', 'no-unused-components', (op, doc) => (doc.components.schemas.LintProbeUnused = { type: 'string' })],
];

for (const [what, rule, change] of broken) {
  test(`the lint fails on ${what} (${rule})`, async () => {
    const { code, out } = await lint(withProbe(change));
    assert.equal(code, 1, `the lint passed:\n${out}`);
    const errors = out.split("\n").filter((l) => /^\s*\d+:\d+\s+error\s/.test(l));
    assert.ok(errors.some((l) => l.includes(rule)), `no ${rule} error:\n${out}`);
    assert.ok(errors.every((l) => l.includes(rule) || /operation-tag-defined|rule\/operation-has-tag/.test(l)), `other errors too:\n${out}`);
  });
}

// The breaking-change check: oasdiff (OASDIFF, built by scripts/check-breaking.sh) against the latest
// release in api/releases/.
const releases = join(root, 'api', 'releases');
const latest = readdirSync(releases).filter((f) => /^v\d+\.\d+\.\d+\.yaml$/.test(f))
  .sort((a, b) => a.slice(1, -5).split('.').map(Number).reduce((d, x, i) => d || x - b.slice(1, -5).split('.').map(Number)[i], 0))
  .pop();

async function breaking(doc) {
  const oasdiff = process.env.OASDIFF;
  assert.ok(oasdiff, 'OASDIFF is not set: run this test through scripts/api-gates.sh');
  const file = join(mkdtempSync(join(tmpdir(), 'spec-diff-')), 'openapi.yaml');
  writeFileSync(file, YAML.stringify(doc));
  try {
    const { stdout } = await run(oasdiff, ['breaking', join(releases, latest), file, '--fail-on', 'ERR']);
    return { code: 0, out: stdout };
  } catch (e) {
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

test('the breaking-change check passes an added operation', async () => {
  const { code, out } = await breaking(withProbe(() => {}));
  assert.equal(code, 0, out);
});

test('the breaking-change check fails when a released operation is removed', async () => {
  const released = YAML.parse(readFileSync(join(releases, latest), 'utf8'));
  const doc = spec();
  const path = Object.keys(released.paths).find((p) => doc.paths[p]);
  delete doc.paths[path];
  const { code, out } = await breaking(doc);
  assert.equal(code, 1, out);
  assert.match(out, /api-path-removed|api-removed/);
});

test('the breaking-change check fails when a released response member becomes optional', async () => {
  const doc = spec();
  doc.components.schemas.PublicConfig.required.pop();
  const { code, out } = await breaking(doc);
  assert.equal(code, 1, out);
  assert.match(out, /became-optional/);
});
