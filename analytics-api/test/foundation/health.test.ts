import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('GET /health and /ready', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('reports every dependency check by name', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'exports', 'migrations', 'mock_data', 'read_replica', 'redis']);
    expect(body.checks.database.status).toBe('ok');
    expect(body.checks.migrations.status).toBe('ok');
    expect(body.checks.redis.status).toBe('disabled');
    expect(body.checks.read_replica).toEqual({ status: 'disabled', detail: 'DATABASE_READ_URL not set; reads use the primary' });
  });

  it('is ready when the database, migrations and folders are usable', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(res.json().checks.exports.status).toBe('ok');
    expect(res.statusCode).toBe(res.json().checks.mock_data.status === 'error' ? 503 : 200);
  });
});
