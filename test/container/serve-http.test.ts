/** The HTTP layer in-process on 127.0.0.1:0: the seed's payloads, batch bodies and every error path. */
import * as http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { MAX_ID_LENGTH, MAX_REQUEST_ITEMS, payloadItemsBound } from '../../container/src/limits';
import { serveConfig } from '../../container/src/serve/config';
import { formatCsv, formatJson } from '../../container/src/serve/format';
import { Recommender } from '../../container/src/serve/recommend';
import { parseBody } from '../../container/src/serve/request';
import { createModelServer, type ModelServer } from '../../container/src/serve/server';
import { groupItemsBestFirst, loadedModel, userId, type FixtureOptions } from './serve-fixtures';

const O: FixtureOptions = {
  users: 40,
  items: 120,
  factors: 8,
  groups: 4,
  trainedPerUser: 2,
  catalog: true,
  seed: 9,
  userIdBase: 17500,
};
const SEED_USER = '17519'; // index 19, group 3

let ms: ModelServer;
let url: string;
const model = loadedModel(O);

beforeAll(async () => {
  ms = createModelServer(
    serveConfig({ SERVE_MAX_REQUEST_ITEMS: '2000', SAGEMAKER_MAX_PAYLOAD_IN_MB: '0.01', SERVE_WORKERS: '1' }),
  );
  ms.server.listen(0, '127.0.0.1');
  await once(ms.server, 'listening');
  url = `http://127.0.0.1:${(ms.server.address() as AddressInfo).port}`;
});
afterAll(() => ms.shutdown(1000));

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> =>
  fetch(`${url}/invocations`, { method: 'POST', headers, body });

describe('before the model is loaded', () => {
  it('answers /ping and /invocations with 503', async () => {
    expect((await fetch(`${url}/ping`)).status).toBe(503);
    const r = await post('{"user_id": "17519"}');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ error: 'the model is still loading' });
    ms.setModel(model);
    expect((await fetch(`${url}/ping`)).status).toBe(503);
    ms.setReady(true);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });
});

describe('once loaded', () => {
  const best = groupItemsBestFirst(O, 19 % 4).map((i) => model.manifest.items[i]);

  it("answers the seed's real-time payload with a ranked JSON array with descriptions", async () => {
    const r = await post('{"user_id": "17519", "top_n": "10"}');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const recs = (await r.json()) as Array<Record<string, unknown>>;
    expect(recs).toHaveLength(10);
    expect(recs.map((x) => x.item_id)).toEqual(best.slice(2, 12));
    expect(recs[0]).toEqual({
      user_id: SEED_USER,
      item_id: best[2],
      score: expect.any(Number),
      description: expect.stringMatching(/^Product/),
    });
  });

  it('includes the training items when exclude_purchased is false', async () => {
    const recs = (await (await post('{"user_id": 17519, "top_n": 3, "exclude_purchased": false}')).json()) as Array<{
      item_id: string;
    }>;
    expect(recs.map((x) => x.item_id)).toEqual(best.slice(0, 3));
  });

  it("answers the seed's batch payload (application/json lines, Accept text/csv) with CSV in input order", async () => {
    const users = [SEED_USER, 'unknown-1', userId(0, 17500), SEED_USER];
    const body = users.map((u) => JSON.stringify({ user_id: u, top_n: '3' })).join('\n') + '\n';
    const r = await post(body, { 'content-type': 'application/json', accept: 'text/csv' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv');
    const rows = parse(await r.text()) as string[][];
    expect(rows.map((row) => row[0])).toEqual(users.flatMap((u) => [u, u, u]));
    expect(rows.slice(0, 3).map((row) => row[1])).toEqual(best.slice(2, 5));
    expect(rows.slice(9)).toEqual(rows.slice(0, 3));
  });

  it('answers JSON Lines with one JSON array per line, unknown users marked as popularity fallback', async () => {
    const r = await post('{"user_id": "17519", "top_n": 2}\n{"user_id": "new-customer", "top_n": 2}', {
      'content-type': 'application/jsonlines',
    });
    expect(r.headers.get('content-type')).toBe('application/jsonlines');
    const lines = (await r.text()).split('\n').map((l) => JSON.parse(l) as Array<Record<string, unknown>>);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.every((x) => x.fallback === undefined && x.user_id === SEED_USER)).toBe(true);
    expect(lines[1]!.every((x) => x.fallback === 'popularity' && x.user_id === 'new-customer')).toBe(true);
  });

  it('describes itself to batch transform', async () => {
    expect(await (await fetch(`${url}/execution-parameters`)).json()).toEqual({
      MaxConcurrentTransforms: 2,
      BatchStrategy: 'MULTI_RECORD',
      MaxPayloadInMB: 1,
    });
  });

  it.each([
    ['malformed JSON', '{"user_id": ', {}, 400, /^malformed JSON/],
    [
      'a bad JSON Lines line',
      '{"user_id": "1"}\n{"user_id": "2", "top_n": "x"}',
      {},
      400,
      /^line 2: top_n must be an integer from 1 to 100/,
    ],
    ['top_n over the bound', '{"user_id": "1", "top_n": 101}', {}, 400, /top_n must be an integer from 1 to 100, got 101/],
    [
      'a user_id longer than the id bound',
      JSON.stringify({ user_id: 'u'.repeat(MAX_ID_LENGTH + 1) }),
      {},
      400,
      /^user_id: longer than 256 characters$/,
    ],
    [
      'more recommendations than one request may ask for (lines x top_n)',
      Array.from({ length: 21 }, () => '{"user_id":"1","top_n":100}').join('\n'),
      {},
      413,
      /^the request asks for more than 2000 recommendations by line 21 \(top_n summed over its lines\); send fewer lines or a smaller top_n$/,
    ],
    [
      'a long bad top_n, quoted briefly',
      JSON.stringify({ user_id: '1', top_n: '9'.repeat(5000) }),
      {},
      400,
      /^top_n must be an integer from 1 to 100, got "9{60}"\.\.\. \(5000 characters\)$/,
    ],
    ['no user_id', '{"top_n": 1}', {}, 400, /user_id: is required/],
    ['an unsupported content type', 'user_id=1', { 'content-type': 'text/plain' }, 415, /unsupported Content-Type "text\/plain"/],
    ['no content type', '{"user_id": "1"}', { 'content-type': '' }, 415, /unsupported Content-Type \(none\)/],
    [
      'an unsupported Accept',
      '{"user_id": "1"}',
      { 'content-type': 'application/json', accept: 'application/xml' },
      406,
      /cannot produce Accept/,
    ],
  ])('rejects %s', async (_name, body, headers, status, message) => {
    const r = await post(body, { 'content-type': 'application/json', ...headers });
    expect(r.status).toBe(status);
    const json = (await r.json()) as { error: string };
    expect(json.error).toMatch(message);
    expect(JSON.stringify(json)).not.toMatch(/at \w+ \(|\.ts:\d+/);
  });

  it('answers a request at the bound of lines x top_n', async () => {
    const body = Array.from({ length: 20 }, () => '{"user_id":"17519","top_n":100}').join('\n');
    const r = await post(body, { 'content-type': 'application/jsonlines', accept: 'text/csv' });
    expect(r.status).toBe(200);
    expect((await r.text()).split('\n')).toHaveLength(20 * 100);
  });

  it('accepts a body that starts with a byte-order mark, as data preparation does', async () => {
    const r = await post('\uFEFF{"user_id": "17519", "top_n": "2"}');
    expect(r.status).toBe(200);
    expect(((await r.json()) as unknown[]).length).toBe(2);
    const lines = await post('\uFEFF{"user_id": "17519", "top_n": 1}\n{"user_id": "17519", "top_n": 1}', {
      'content-type': 'application/jsonlines',
    });
    expect(lines.status).toBe(200);
  });

  it('rejects unknown routes (404) and wrong methods (405)', async () => {
    const nf = await fetch(`${url}/predict`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: string }).error).toMatch('/predict');
    const wm = await fetch(`${url}/invocations`);
    expect(wm.status).toBe(405);
    expect(wm.headers.get('allow')).toBe('POST');
    expect((await fetch(`${url}/ping`, { method: 'POST' })).status).toBe(405);
  });

  it('rejects a body over the limit with 413, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ user_id: '1', pad: 'x'.repeat(20_000) });
    expect(await rawPost(big, { 'content-length': String(Buffer.byteLength(big)) })).toMatchObject({ status: 413 });
    const streamed = await rawPost(big, { 'transfer-encoding': 'chunked' });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error).toMatch(/exceeds the limit of 10485 bytes/);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });

  it('answers good requests correctly while bad ones arrive at the same time', async () => {
    const good = Array.from({ length: 20 }, () => post('{"user_id": "17519", "top_n": "1"}').then((r) => r.json()));
    const bad = Array.from({ length: 20 }, (_, k) =>
      post(k % 2 ? '{"user_id": ' : '{"user_id": "1", "top_n": 0}').then((r) => r.status),
    );
    const [g, b] = await Promise.all([Promise.all(good), Promise.all(bad)]);
    expect(b.every((s) => s === 400)).toBe(true);
    expect(g.every((x) => (x as Array<{ item_id: string }>)[0]!.item_id === best[2])).toBe(true);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });
});

describe('large responses', () => {
  let big: ModelServer;
  let bigUrl: string;
  beforeAll(async () => {
    big = createModelServer(serveConfig({ SERVE_WORKERS: '1' }));
    big.setModel(model);
    big.setReady(true);
    big.server.listen(0, '127.0.0.1');
    await once(big.server, 'listening');
    bigUrl = `http://127.0.0.1:${(big.server.address() as AddressInfo).port}`;
  });
  afterAll(() => big.shutdown(1000));

  const body = Array.from({ length: 3000 }, (_, k) =>
    JSON.stringify({
      user_id: k % 7 ? userId(k % O.users, 17500) : `new-${k}`,
      top_n: 1 + (k % 100),
      exclude_purchased: k % 3 !== 0,
    }),
  ).join('\n');
  const expected = (csv: boolean) => {
    const rec = new Recommender(model);
    const recs = rec.recommendMany(parseBody(body, true, MAX_REQUEST_ITEMS).requests);
    return csv ? formatCsv(model, recs) : formatJson(model, recs);
  };

  it.each([
    ['JSON Lines', false],
    ['CSV', true],
  ])('streams a large %s answer, identical to the whole-body format', async (_name, csv) => {
    const r = await fetch(`${bigUrl}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/jsonlines', ...(csv ? { accept: 'text/csv' } : {}) },
      body,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('transfer-encoding')).toBe('chunked');
    expect(await r.text()).toBe(expected(csv));
  });

  it('tells batch transform a payload size whose requests stay within the bound of lines x top_n', async () => {
    const params = (await (await fetch(`${bigUrl}/execution-parameters`)).json()) as { MaxPayloadInMB: number };
    expect(payloadItemsBound(params.MaxPayloadInMB)).toBeLessThanOrEqual(MAX_REQUEST_ITEMS);
  });
});

/** POSTs with node:http, writing the body in chunks; resolves with the response even if the server then closes. */
function rawPost(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/invocations`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (err) => setTimeout(() => reject(err), 50));
    for (let i = 0; i < body.length; i += 4096) req.write(body.slice(i, i + 4096));
    req.end();
  });
}
