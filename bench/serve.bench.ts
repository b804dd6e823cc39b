/**
 * Model server benchmark, with its targets:
 *   1. in-process top-10 for one user over 5k items x 64 factors: p99 <= 1 ms (cache off);
 *   2. HTTP on loopback, autocannon, 64 connections, the seed's payload: >= 5,000 req/s, p99 <= 20 ms, 0 errors;
 *   3. batch: ~4.3k users through the JSON Lines path (Accept text/csv) in <= 2 s.
 *   4. model load: loadModel() of a 10k users x 10k items x 128 factors model (~60 items per user,
 *      with a catalog) in well under a second (PASS at <= 500 ms), plus building the Recommender on it.
 * The server runs as a child process (`node container/dist/main.js serve`; build the container first).
 * Run: npx tsc -p container && npx tsx bench/serve.bench.ts [seconds per HTTP run, default 10] [--only=load|inprocess]
 */
import autocannon from 'autocannon';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../container/src/model/store';
import { Recommender } from '../container/src/serve/recommend';
import { loadedModel, spawnServe, waitReady, writeModel, type FixtureOptions } from '../test/container/serve-fixtures';

const SIZE: FixtureOptions = {
  users: 4314,
  items: 5000,
  factors: 64,
  groups: 0,
  trainedPerUser: 45,
  catalog: true,
  seed: 7,
  userIdBase: 13300,
};
const SEED_PAYLOAD = JSON.stringify({ user_id: '17519', top_n: '10' });
const args = process.argv.slice(2);
const seconds = Number(args.find((a) => !a.startsWith('--')) ?? 10);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const LOAD_SIZE: FixtureOptions = {
  users: 10_000,
  items: 10_000,
  factors: 128,
  groups: 0,
  trainedPerUser: 60,
  catalog: true,
  seed: 5,
};
const results: string[] = [];

function report(line: string, ok: boolean): void {
  const s = `${ok ? 'PASS' : 'MISS'}  ${line}`;
  results.push(s);
  console.log(s);
}

function inProcess(): void {
  const model = loadedModel(SIZE);
  const users = model.manifest.users;
  const rec = new Recommender(model, { cacheSize: 0 });
  for (let k = 0; k < 3000; k++) rec.recommend(users[k % users.length]!, { topN: 10, excludeTrained: true });
  const times: number[] = [];
  for (let k = 0; k < 20000; k++) {
    const t = performance.now();
    rec.recommend(users[(k * 7919) % users.length]!, { topN: 10, excludeTrained: true });
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  const p = (q: number): string => times[Math.floor(q * (times.length - 1))]!.toFixed(3);
  report(
    `in-process top-10, ${SIZE.items} items x ${SIZE.factors} factors, 20k users: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms (target p99 <= 1 ms)`,
    Number(p(0.99)) <= 1,
  );
  const t = performance.now();
  rec.recommendMany(users.map((u) => ({ userId: u, topN: 10, excludeTrained: true })));
  console.log(`info  in-process batch of all ${users.length} users (one thread): ${(performance.now() - t).toFixed(0)} ms`);
}

/** Times loadModel() (what `serve` does at start) on a model of LOAD_SIZE, from a file just written (page cache warm). */
async function modelLoad(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-bench-load-'));
  try {
    await writeModel(dir, LOAD_SIZE);
    const modelDir = path.join(dir, 'model');
    const bytes = fs.readdirSync(modelDir).reduce((n, f) => n + fs.statSync(path.join(modelDir, f)).size, 0);
    const loads: number[] = [];
    const recs: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      const model = await loadModel(modelDir);
      const t1 = performance.now();
      new Recommender(model, { cacheSize: 0 });
      loads.push(t1 - t0);
      recs.push(performance.now() - t1);
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const o = LOAD_SIZE;
    report(
      `model load: loadModel() of ${o.users} users x ${o.items} items x ${o.factors} factors, ${o.trainedPerUser} items per user, catalog ` +
        `(${(bytes / 2 ** 20).toFixed(1)} MiB): first ${loads[0]!.toFixed(0)} ms, median of 5 ${med(loads).toFixed(0)} ms, max ${Math.max(...loads).toFixed(0)} ms; ` +
        `then new Recommender() ${med(recs).toFixed(0)} ms (target: load well under 1 s, PASS at <= 500 ms)`,
      Math.max(...loads) <= 500,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function http(base: string, label: string, env: Record<string, string>): Promise<void> {
  const srv = await spawnServe(base, env);
  try {
    await waitReady(srv.url, 20_000);
    const opts = {
      url: `${srv.url}/invocations`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: SEED_PAYLOAD,
    };
    await autocannon({ ...opts, connections: 64, duration: 2 }); // warm-up
    const r = await autocannon({ ...opts, connections: 64, duration: seconds });
    const errors = r.errors + r.timeouts + r.non2xx;
    const ok = r.requests.average >= 5000 && r.latency.p99 <= 20 && errors === 0;
    report(
      `HTTP ${label}: ${Math.round(r.requests.average)} req/s, latency p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms, errors ${errors} (${r.requests.total} requests, ${seconds} s)`,
      ok,
    );
  } finally {
    srv.child.kill('SIGTERM');
    await srv.exited;
  }
}

async function batch(base: string, users: string[]): Promise<void> {
  const srv = await spawnServe(base, { SERVE_WORKERS: '2', SERVE_CACHE_USERS: '0' });
  try {
    await waitReady(srv.url, 20_000);
    const params = (await (await fetch(`${srv.url}/execution-parameters`)).json()) as { MaxConcurrentTransforms: number };
    const lines = users.map((u) => JSON.stringify({ user_id: u, top_n: '10' }));
    // Mini-batches of ~1 MB sent MaxConcurrentTransforms at a time, as batch transform does; ours are smaller
    // than 6 MB so that both workers get work.
    const per = Math.ceil(lines.length / (2 * params.MaxConcurrentTransforms));
    const bodies: string[] = [];
    for (let i = 0; i < lines.length; i += per) bodies.push(lines.slice(i, i + per).join('\n'));
    const t = performance.now();
    const outs = await Promise.all(
      bodies.map((body) =>
        fetch(`${srv.url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/csv' },
          body,
        }).then((r) => r.text()),
      ),
    );
    const ms = performance.now() - t;
    const rows = outs.join('\n').split('\n').length;
    report(
      `batch: ${users.length} users in ${bodies.length} JSON Lines requests (${params.MaxConcurrentTransforms} concurrent) -> ${rows} CSV lines in ${ms.toFixed(0)} ms (target <= 2000 ms)`,
      ms <= 2000 && rows === users.length * 10,
    );
    // What batch transform does with this small a file: MultiRecord packs every line (~190 KB) into one request.
    const one = lines.join('\n');
    const t1 = performance.now();
    const out = await (
      await fetch(`${srv.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/csv' },
        body: one,
      })
    ).text();
    const ms1 = performance.now() - t1;
    const rows1 = out.split('\n').length;
    report(
      `batch: ${users.length} users in 1 JSON Lines request of ${(one.length / 1024).toFixed(0)} KB -> ${rows1} CSV lines in ${ms1.toFixed(0)} ms (target <= 2000 ms)`,
      ms1 <= 2000 && rows1 === users.length * 10,
    );
  } finally {
    srv.child.kill('SIGTERM');
    await srv.exited;
  }
}

async function main(): Promise<void> {
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (only !== 'inprocess') await modelLoad();
  if (only !== 'load') inProcess();
  if (only === 'load' || only === 'inprocess') {
    process.exitCode = results.every((r) => r.startsWith('PASS')) ? 0 : 1;
    return;
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-bench-'));
  try {
    const built = await writeModel(base, SIZE);
    await http(base, '2 workers, cache on (default)', { SERVE_WORKERS: '2' });
    await http(base, '2 workers, cache off', { SERVE_WORKERS: '2', SERVE_CACHE_USERS: '0' });
    await http(base, '1 process, cache on', { SERVE_WORKERS: '1' });
    await http(base, '1 process, cache off', { SERVE_WORKERS: '1', SERVE_CACHE_USERS: '0' });
    await batch(base, built.manifest.users);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  process.exitCode = results.every((r) => r.startsWith('PASS')) ? 0 : 1;
}

void main();
