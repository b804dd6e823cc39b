/**
 * Generated models for the server's tests and benchmark (seeded, no training needed).
 * `planted`: users and items fall into groups; a user's own group scores 1 + i/items, others near 0,
 * so the best item of a user is the highest-index item of its group that it has not bought.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  MODEL_FORMAT_VERSION,
  saveModel,
  type LoadedModel,
  type ModelArrays,
  type ModelManifest,
} from '../../container/src/model/store';
import { mulberry32 } from '../../lambda/prepare-data/random';
import { containerMain, freePort } from '../../local/processes';

export { freePort, mulberry32 };

export interface FixtureOptions {
  users: number;
  items: number;
  factors: number;
  /** Groups of the planted structure; 0 draws plain random factors instead. */
  groups: number;
  /** Training items per user: the best ones of its group (planted) or random ones. */
  trainedPerUser: number;
  catalog: boolean;
  seed: number;
  /** First user id (user u gets String(userIdBase + u)); default 10000. */
  userIdBase?: number;
  /** Ids for item index 0 and user index 0 that need CSV quoting. */
  oddIds?: boolean;
}

export const userId = (u: number, base = 10000): string => String(base + u);
export const itemId = (i: number): string => `SKU${i}`;

export function buildModel(o: FixtureOptions): {
  manifest: Omit<ModelManifest, 'binary' | 'formatVersion'>;
  arrays: ModelArrays;
} {
  const rnd = mulberry32(o.seed);
  const users = Array.from({ length: o.users }, (_, u) => userId(u, o.userIdBase));
  const items = Array.from({ length: o.items }, (_, i) => itemId(i));
  if (o.oddIds) {
    users[0] = 'cust,"0"';
    items[0] = 'SKU,"0"';
  }
  const userFactors = new Float32Array(o.users * o.factors);
  const itemFactors = new Float32Array(o.items * o.factors);
  const itemBias = new Float32Array(o.items);
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = (rnd() - 0.5) * (o.groups ? 0.01 : 1);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = (rnd() - 0.5) * (o.groups ? 0.01 : 1);
  if (o.groups) {
    for (let i = 0; i < o.items; i++) itemFactors[i * o.factors + (i % o.groups)] = 1 + i / o.items;
    for (let u = 0; u < o.users; u++) userFactors[u * o.factors + (u % o.groups)] = 1;
  } else {
    for (let i = 0; i < o.items; i++) itemBias[i] = (rnd() - 0.5) * 0.1;
  }
  const indptr = new Int32Array(o.users + 1);
  const indices: number[] = [];
  for (let u = 0; u < o.users; u++) {
    const own = o.groups ? groupItemsBestFirst(o, u % o.groups) : [];
    const chosen = new Set<number>();
    while (chosen.size < Math.min(o.trainedPerUser, o.items)) {
      chosen.add(o.groups ? own[chosen.size]! : Math.floor(rnd() * o.items));
    }
    indices.push(...[...chosen].sort((a, b) => a - b));
    indptr[u + 1] = indices.length;
  }
  // Popularity: distinct training users per item, from the CSR above.
  const itemPopularity = new Array<number>(o.items).fill(0);
  for (const i of indices) itemPopularity[i]!++;
  const catalog = o.catalog ? Object.fromEntries(items.map((id, i) => [id, `Product ${i}, "boxed"`])) : null;
  return {
    manifest: {
      algorithm: 'bpr',
      createdAt: '2026-01-01T00:00:00.000Z',
      factors: o.factors,
      users,
      items,
      itemPopularity,
      catalog,
      hyperparameters: { factors: o.factors },
      metrics: {},
    },
    arrays: { userFactors, itemFactors, itemBias, userItemsIndptr: indptr, userItemsIndices: Int32Array.from(indices) },
  };
}

/** Item indices of a planted group, best (highest index) first. */
export function groupItemsBestFirst(o: Pick<FixtureOptions, 'items' | 'groups'>, group: number): number[] {
  const out: number[] = [];
  for (let i = o.items - 1; i >= 0; i--) if (i % o.groups === group) out.push(i);
  return out;
}

/** Writes a model under `<baseDir>/model`, the layout `serve` reads. */
export async function writeModel(baseDir: string, o: FixtureOptions): Promise<ReturnType<typeof buildModel>> {
  const built = buildModel(o);
  await saveModel(path.join(baseDir, 'model'), built.manifest, built.arrays);
  return built;
}

/** A `node container/dist/main.js serve` child process on a free loopback port. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** `exited`, or a rejection with the server's output when it has not ended within ms. */
  waitExit(ms?: number): Promise<number | string>;
}

export const MAIN_JS = containerMain();

const running = new Set<ChildProcess>();

/** Kills every server a test left running (call in afterAll), so that a failed test never hangs jest. */
export function killLeftoverServers(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

export async function spawnServe(baseDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS, 'serve'], {
    // Loopback only, as every server a test starts (the container's own default is every interface).
    env: {
      ...process.env,
      SAGEMAKER_BASE_DIR: baseDir,
      SAGEMAKER_BIND_TO_PORT: String(port),
      SERVE_BIND_ADDRESS: '127.0.0.1',
      SERVE_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const waitExit = (ms = 10_000) => within(exited, ms, () => `the server did not exit; its output:\n${out}`);
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited, waitExit };
}

/**
 * Settles as `promise` does, or rejects with `what` once ms have passed: a test that waits for
 * something that never happens fails with the reason instead of jest's timeout.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === 'string' ? what : what()} (waited ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls check every 20 ms until it holds; rejects with failure() when it still does not after ms. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, failure: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${failure()} (waited ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls /ping until it answers 200; the statuses seen on the way are returned. */
export async function waitReady(url: string, timeoutMs = 10_000): Promise<number[]> {
  const seen: number[] = [];
  const ready = async (): Promise<boolean> => {
    try {
      const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
      seen.push(r.status);
      return r.status === 200;
    } catch {
      return false; // not listening yet
    }
  };
  await until(ready, timeoutMs, () => `server at ${url} not ready; /ping statuses: ${seen.join(',')}`);
  return seen;
}

/** The generated model as loadModel() would return it, without a round trip through disk. */
export function loadedModel(o: FixtureOptions): LoadedModel {
  const b = buildModel(o);
  return {
    manifest: { ...b.manifest, formatVersion: MODEL_FORMAT_VERSION, binary: { file: '', arrays: {} as never } },
    ...b.arrays,
    userIndex: new Map(b.manifest.users.map((u, i) => [u, i])),
    itemIndex: new Map(b.manifest.items.map((it, i) => [it, i])),
  };
}
