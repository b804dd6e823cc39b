/**
 * The real program: `node container/dist/main.js serve` as a child process (build it first with
 * `npx tsc -p container`; `npm test` does). Loading, readiness, SIGTERM, cluster workers. Every wait
 * is bounded and fails with what did not happen (and the server's output), never with jest's timeout.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveConfig } from '../../container/src/serve/config';
import {
  groupItemsBestFirst,
  killLeftoverServers,
  MAIN_JS,
  spawnServe,
  until,
  waitReady,
  within,
  writeModel,
  type FixtureOptions,
} from './serve-fixtures';

const O: FixtureOptions = {
  users: 30,
  items: 90,
  factors: 8,
  groups: 3,
  trainedPerUser: 1,
  catalog: false,
  seed: 4,
  userIdBase: 17500,
};
let base: string;

beforeAll(async () => {
  expect(fs.existsSync(MAIN_JS)).toBe(true);
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-proc-'));
  await writeModel(base, O);
});
afterAll(() => {
  killLeftoverServers();
  fs.rmSync(base, { recursive: true, force: true });
});

const seedRequest = (url: string): Promise<Response> =>
  fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"user_id": "17519", "top_n": "10"}',
    signal: AbortSignal.timeout(5000),
  });

it('answers /ping 503 while the model loads, 200 once loaded, and serves it', async () => {
  // The model's binary file is a FIFO: loading blocks until the test writes it, so "loading" is observable.
  const slow = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-fifo-'));
  try {
    await writeModel(slow, O);
    const manifest = JSON.parse(fs.readFileSync(path.join(slow, 'model', 'manifest.json'), 'utf8')) as {
      binary: { file: string };
    };
    const bin = path.join(slow, 'model', manifest.binary.file);
    const bytes = fs.readFileSync(bin);
    fs.rmSync(bin);
    execFileSync('mkfifo', [bin]);
    const srv = await spawnServe(slow);
    const statuses = await pollWhileLoading(srv.url);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect((await seedRequest(srv.url)).status).toBe(503);
    await writeFifo(bin, bytes, 5000);
    await waitReady(srv.url);
    const recs = (await (await seedRequest(srv.url)).json()) as Array<{ user_id: string; item_id: string }>;
    expect(recs.map((r) => r.item_id)).toEqual(
      groupItemsBestFirst(O, 19 % 3)
        .slice(1, 11)
        .map((i) => `SKU${i}`),
    );
    expect(srv.output()).toMatch(/serve: ready on port \d+: model with 30 users, 90 items, 8 factors/);
    srv.child.kill('SIGTERM');
    expect(await srv.waitExit()).toBe(0);
  } finally {
    fs.rmSync(slow, { recursive: true, force: true });
  }
});

it('finishes a request in flight on SIGTERM, refuses new connections, exits 0', async () => {
  const srv = await spawnServe(base);
  await waitReady(srv.url);
  const body = JSON.stringify({ user_id: '17519', top_n: '5' });
  // Expect: 100-continue makes the server say when it has the request's headers: then it is in flight.
  const req = http.request(`${srv.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue' },
  });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  response.catch(() => {}); // awaited below; this keeps an early failure from counting as unhandled meanwhile
  const accepted = new Promise<void>((resolve, reject) => {
    req.on('continue', resolve);
    req.on('error', reject);
  });
  req.flushHeaders();
  await within(accepted, 5000, 'the server never acknowledged the request headers (100 Continue)');
  req.write(body.slice(0, 10)); // half a request: in flight when SIGTERM arrives
  srv.child.kill('SIGTERM');
  await until(refusesConnections(srv.port), 5000, () => `new connections still accepted after SIGTERM; output:\n${srv.output()}`);
  req.end(body.slice(10));
  const { status, text } = await within(response, 5000, () => `no response to the request in flight; output:\n${srv.output()}`);
  expect(status).toBe(200);
  expect(JSON.parse(text)).toHaveLength(5);
  expect(await srv.waitExit()).toBe(0);
});

it('serves from two cluster workers, ready only when both are, replaces a dead one, stops both on SIGTERM', async () => {
  const srv = await spawnServe(base, { SERVE_WORKERS: '2' });
  try {
    await waitReady(srv.url);
    const answers = await Promise.all(Array.from({ length: 20 }, () => seedRequest(srv.url).then((r) => r.json())));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(srv.output()).toMatch(/ready on port \d+: .*; 2 workers/);
    // A worker that dies is replaced (its own connections are lost); the server keeps answering.
    const workers = execFileSync('pgrep', ['-P', String(srv.child.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    const replaced = `worker ${workers[0]} exited (SIGKILL); starting a replacement`;
    await until(
      () => srv.output().includes(replaced),
      5000,
      () => `no replacement worker started; output:\n${srv.output()}`,
    );
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, k) => freshGet(`${srv.url}${k % 2 ? '/ping' : '/execution-parameters'}`)),
    );
    expect(statuses).toEqual(Array(20).fill(200));
  } finally {
    srv.child.kill('SIGTERM');
  }
  expect(await srv.waitExit()).toBe(0);
});

it('survives the amplification request on a small heap: 413 past the bound, large answers streamed, no worker lost', async () => {
  // A 48 MB heap stands for a small instance: the seed's fix is a bound and a stream, not more memory.
  const srv = await spawnServe(base, { SERVE_WORKERS: '2', NODE_OPTIONS: '--max-old-space-size=48' });
  try {
    await waitReady(srv.url);
    // 202,949 lines of top_n 100 in 6.29 MB (under the 6 MB body limit): 20 million recommendations.
    const amplification = '{"user_id": "1", "top_n": 100}\n'.repeat(202_949);
    const r = await within(
      fetch(`${srv.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/csv' },
        body: amplification,
      }),
      20_000,
      () => `no answer to the amplification request; output:\n${srv.output()}`,
    );
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toMatch(/^the request asks for more than 4000000 recommendations/);
    // Within the bound, an answer larger than the whole heap streams through: 11,000 lines x 89 items, ~60 MB.
    const res = await fetch(`${srv.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/jsonlines' },
      body: '{"user_id": "17519", "top_n": 89}\n'.repeat(11_000),
    });
    expect(res.status).toBe(200);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    expect(lines + 1).toBe(11_000);
    expect(bytes).toBeGreaterThan(48 * 1024 * 1024);
    expect((await seedRequest(srv.url)).status).toBe(200);
    expect(srv.output()).not.toMatch(/exited|heap|stopping/i);
  } finally {
    srv.child.kill('SIGTERM');
  }
  expect(await srv.waitExit()).toBe(0);
});

it('never stops because workers die: each one is replaced, after a pause when they die often', async () => {
  const srv = await spawnServe(base, { SERVE_WORKERS: '2' });
  try {
    await waitReady(srv.url);
    for (let k = 1; k <= 5; k++) {
      const pid = Number(
        execFileSync('pgrep', ['-P', String(srv.child.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n')[0],
      );
      process.kill(pid, 'SIGKILL');
      await until(
        () => srv.output().includes(`worker ${pid} exited (SIGKILL); starting a replacement`),
        5000,
        () => `worker ${pid} (death ${k}) was not replaced; output:\n${srv.output()}`,
      );
      await waitReady(srv.url);
    }
    expect(srv.child.exitCode).toBeNull();
    expect(srv.output()).toMatch(/starting a replacement in 1 s/);
    await until(
      async () =>
        (await freshGet(`${srv.url}/ping`)) === 200 &&
        execFileSync('pgrep', ['-P', String(srv.child.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n').length === 2,
      10_000,
      () => `the server did not get back to two workers; output:\n${srv.output()}`,
    );
  } finally {
    srv.child.kill('SIGTERM');
  }
  expect(await srv.waitExit()).toBe(0);
});

it('listens only where SERVE_BIND_ADDRESS says (the local run: 127.0.0.1); unset, on every interface (SageMaker)', async () => {
  const connects = (port: number, host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  const srv = await spawnServe(base, { SERVE_BIND_ADDRESS: '127.0.0.1' });
  try {
    await waitReady(srv.url);
    // 127.0.0.2 is loopback too, but another address than 127.0.0.1.
    expect(await connects(srv.port, '127.0.0.2')).toBe(false);
    expect(await connects(srv.port, '127.0.0.1')).toBe(true);
    expect(srv.output()).toMatch(/listening on 127\.0\.0\.1 port \d+/);
  } finally {
    srv.child.kill('SIGTERM');
  }
  expect(await srv.waitExit()).toBe(0);
  // Not started here: a test's servers stay on loopback.
  expect(serveConfig({}).bindAddress).toBeUndefined();
  expect(() => serveConfig({ SERVE_BIND_ADDRESS: 'localhost:80' })).toThrow(/SERVE_BIND_ADDRESS must be an IP address/);
});

it('exits 1 with a clear message when there is no model', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-empty-'));
  try {
    for (const workers of ['1', '2']) {
      const srv = await spawnServe(empty, { SERVE_WORKERS: workers });
      expect(await srv.waitExit()).toBe(1);
      expect(srv.output()).toMatch(/cannot load the model: cannot read manifest\.json/);
      expect(srv.output()).not.toMatch(/\n\s+at /);
    }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

it('exits 1 when its port is taken, with one or two workers', async () => {
  const taken = net.createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const port = String((taken.address() as net.AddressInfo).port);
  try {
    for (const workers of ['1', '2']) {
      const srv = await spawnServe(base, { SERVE_WORKERS: workers, SAGEMAKER_BIND_TO_PORT: port });
      expect(await srv.waitExit()).toBe(1);
      expect(srv.output()).toMatch(/EADDRINUSE/);
    }
  } finally {
    taken.close();
  }
});

/** GET on a new connection (no pooled one that may have belonged to a killed worker). */
function freshGet(url: string): Promise<number> {
  const status = new Promise<number>((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
  return within(status, 5000, `no answer from ${url}`);
}

/** A check that holds once a new TCP connection to the port is refused. */
function refusesConnections(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
}

/**
 * Writes a FIFO once the server has opened it for reading, without blocking the test process: the
 * non-blocking open fails (ENXIO) until a reader is there.
 */
async function writeFifo(file: string, bytes: Buffer, ms: number): Promise<void> {
  let fd = -1;
  const opened = (): boolean => {
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO') return false;
      throw err;
    }
  };
  await until(opened, ms, () => `the server never opened ${path.basename(file)} to load the model`);
  try {
    // The model is a few KB: it fits the pipe's buffer, so a non-blocking write takes it whole.
    expect(fs.writeSync(fd, bytes)).toBe(bytes.length);
  } finally {
    fs.closeSync(fd);
  }
}

/** /ping statuses seen over ~300 ms once the server listens. */
async function pollWhileLoading(url: string): Promise<number[]> {
  const seen: number[] = [];
  const until = Date.now() + 5000;
  while (Date.now() < until && seen.length < 5) {
    try {
      seen.push((await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })).status);
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 60));
  }
  return seen;
}
