/** End to end in the container: `main.js train` fits a small model in a temp base dir, `main.js serve` serves it. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { killLeftoverServers, MAIN_JS, mulberry32, spawnServe, waitReady } from './serve-fixtures';

let base: string;
const bought = new Map<string, Set<string>>();

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-trained-'));
  const rnd = mulberry32(21);
  const rows = ['user_id,item_id'];
  for (let u = 0; u < 90; u++) {
    const user = String(17500 + u);
    const own = new Set<string>();
    for (let k = 0; k < 12; k++) own.add(`I${(u % 3) * 30 + Math.floor(rnd() * 30)}`);
    bought.set(user, own);
    for (const item of own) rows.push(`${user},${item}`);
  }
  const training = path.join(base, 'input', 'data', 'training');
  const catalog = path.join(base, 'input', 'data', 'catalog');
  fs.mkdirSync(training, { recursive: true });
  fs.mkdirSync(catalog, { recursive: true });
  fs.mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
  fs.writeFileSync(path.join(training, 'train.csv'), rows.join('\n') + '\n');
  const items = Array.from({ length: 90 }, (_, i) => `I${i},Product ${i}`);
  fs.writeFileSync(path.join(catalog, 'catalog.csv'), ['item_id,description', ...items].join('\n') + '\n');
  fs.writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify({ epochs: '10', factors: '8' }));
  const r = spawnSync(process.execPath, [MAIN_JS, 'train'], {
    env: { ...process.env, SAGEMAKER_BASE_DIR: base },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`train failed (${r.status}): ${r.stdout}\n${r.stderr}`);
});
afterAll(() => {
  killLeftoverServers();
  fs.rmSync(base, { recursive: true, force: true });
});

it('serves a model trained by `main.js train`: seed payloads, exclusion, descriptions, fallback', async () => {
  const srv = await spawnServe(base);
  try {
    await waitReady(srv.url);
    const res = await fetch(`${srv.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user_id": "17519", "top_n": "10"}',
    });
    expect(res.status).toBe(200);
    const recs = (await res.json()) as Array<{ user_id: string; item_id: string; score: number; description?: string }>;
    expect(recs).toHaveLength(10);
    for (const r of recs) {
      expect(r.user_id).toBe('17519');
      expect(bought.get('17519')!.has(r.item_id)).toBe(false);
      expect(r.description).toBe(`Product ${r.item_id.slice(1)}`);
    }
    expect(recs.map((r) => r.score)).toEqual([...recs.map((r) => r.score)].sort((a, b) => b - a));

    const users = [...bought.keys()].slice(0, 30);
    const batch = [...users, 'new-customer'].map((u) => JSON.stringify({ user_id: u, top_n: '5' })).join('\n');
    const csv = await fetch(`${srv.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/csv' },
      body: batch,
    });
    const rows = parse(await csv.text()) as string[][];
    expect(rows).toHaveLength(31 * 5);
    expect(rows.map((r) => r[0])).toEqual([...users, 'new-customer'].flatMap((u) => Array(5).fill(u)));
    for (const [u, item] of rows) if (u !== 'new-customer') expect(bought.get(u!)!.has(item!)).toBe(false);
  } finally {
    srv.child.kill('SIGTERM');
    expect(await srv.waitExit()).toBe(0);
  }
});
