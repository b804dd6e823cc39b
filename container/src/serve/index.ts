/**
 * `serve`: listens first (so /ping can say 503 while loading), loads model/ once, then answers.
 * With SERVE_WORKERS > 1 the main process forks that many workers sharing the port (node:cluster);
 * /ping turns 200 only when every worker holds the model. SIGTERM (or SIGINT) stops accepting,
 * lets requests in flight finish and exits 0. Once serving, the server never stops because a
 * worker died: the worker is replaced (after a growing pause when workers die often).
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { loadModel, type LoadedModel } from '../model/store';
import { containerPaths } from '../paths';
import { serveConfig, type ServeConfig } from './config';
import { createModelServer, type ModelServer } from './server';

type WorkerMessage = { type: 'loaded'; summary: string } | { type: 'failed'; reason: string };
type PrimaryMessage = { type: 'ready' };
/** Set by the primary on workers it forks to replace one that died. */
const REPLACEMENT_ENV = 'SERVE_REPLACEMENT_WORKER';

export async function runServe(): Promise<number> {
  const config = serveConfig();
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  return runServer(config);
}

/** One server process: the whole server when workers = 1, else one cluster worker. */
async function runServer(config: ServeConfig): Promise<number> {
  try {
    return await serve(config);
  } finally {
    // A worker's IPC channel would keep it alive after its server has closed or failed.
    if (cluster.isWorker && process.connected) process.disconnect();
  }
}

async function serve(config: ServeConfig): Promise<number> {
  const modelDir = containerPaths().model;
  const ms = createModelServer(config);
  const stopped = waitForSignal().then(() => ms.shutdown(config.shutdownGraceMs));
  // A replacement worker joins a server that is already ready: it loads before it takes connections.
  const replacement = cluster.isWorker && process.env[REPLACEMENT_ENV] === '1';
  if (!replacement) await listen(ms, config);
  const started = performance.now();
  let model: LoadedModel;
  try {
    model = await loadModel(modelDir);
  } catch (err) {
    const reason = `cannot load the model: ${(err as Error).message}`;
    await ms.shutdown(0);
    if (!cluster.isWorker) {
      log(reason);
      return 1;
    }
    await new Promise<void>((resolve) => process.send!({ type: 'failed', reason } satisfies WorkerMessage, () => resolve()));
    return 1;
  }
  ms.setModel(model);
  const summary = describe(model, performance.now() - started);
  if (replacement) {
    ms.setReady(true);
    await listen(ms, config);
  } else if (cluster.isWorker) {
    process.on('message', (m: PrimaryMessage) => {
      if (m?.type === 'ready') ms.setReady(true);
    });
    process.send?.({ type: 'loaded', summary } satisfies WorkerMessage);
  } else {
    ms.setReady(true);
    log(`ready on port ${boundPort(ms, config.port)}: ${summary}`);
  }
  await stopped;
  return 0;
}

/** Listens on the configured address (every interface when unset, as SageMaker requires). */
async function listen(ms: ModelServer, config: ServeConfig): Promise<void> {
  if (config.bindAddress) ms.server.listen(config.port, config.bindAddress);
  else ms.server.listen(config.port);
  await once(ms.server, 'listening');
  if (cluster.isPrimary)
    log(`listening on ${where(config, boundPort(ms, config.port))}, loading the model from ${containerPaths().model}`);
}

function where(config: ServeConfig, port: number): string {
  return config.bindAddress ? `${config.bindAddress} port ${port}` : `port ${port}`;
}

function boundPort(ms: ModelServer, fallback: number): number {
  const address = ms.server.address();
  return typeof address === 'object' && address ? address.port : fallback;
}

/** Forks the workers, says ready when all have loaded, replaces a worker that dies while serving. */
async function runPrimary(config: ServeConfig): Promise<number> {
  log(
    `listening on ${where(config, config.port)} with ${config.workers} workers, loading the model from ${containerPaths().model}`,
  );
  const live = new Set<Worker>();
  const loaded = new Set<Worker>();
  let ready = false;
  let stopping = false;
  let exitCode = 0;
  let failure: string | undefined;
  /** Times of recent worker deaths: past 2 per worker a minute, replacements wait (1 s, 2 s, ... 30 s). */
  const restarts: number[] = [];
  /** Replacements waiting for their pause to end (cancelled on stop). */
  const pending = new Set<NodeJS.Timeout>();
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));

  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const t of pending) clearTimeout(t);
    if (live.size === 0) resolveDone(code);
    for (const w of live) w.process.kill('SIGTERM');
  };

  const fork = (replacement = false): void => {
    const w = cluster.fork(replacement ? { [REPLACEMENT_ENV]: '1' } : {});
    live.add(w);
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'failed') {
        failure = m.reason;
        return;
      }
      loaded.add(w);
      if (ready) w.send({ type: 'ready' } satisfies PrimaryMessage);
      else if (loaded.size === config.workers) {
        ready = true;
        for (const x of loaded) x.send({ type: 'ready' } satisfies PrimaryMessage);
        log(`ready on port ${config.port}: ${m.summary}; ${config.workers} workers`);
      }
    });
    w.on('exit', (code, signal) => {
      live.delete(w);
      loaded.delete(w);
      if (stopping) {
        if (live.size === 0) resolveDone(exitCode);
        return;
      }
      if (!ready || failure) {
        log(failure ?? `worker ${w.process.pid} exited (${signal ?? code}) before the model was loaded`);
        stopAll(1);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts[0]! < now - 60_000) restarts.shift();
      const excess = restarts.length - 2 * config.workers;
      const pause = excess > 0 ? Math.min(30_000, 1000 * 2 ** (excess - 1)) : 0;
      log(
        `worker ${w.process.pid} exited (${signal ?? code}); starting a replacement` +
          (pause ? ` in ${pause / 1000} s (${restarts.length} exits in the last minute)` : ''),
      );
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!stopping) fork(true);
      }, pause);
      pending.add(timer);
    });
  };

  void waitForSignal().then(() => stopAll(0));
  for (let i = 0; i < config.workers; i++) fork();
  return done;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const on = (): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve();
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

function describe(model: LoadedModel, ms: number): string {
  const m = model.manifest;
  return `model with ${m.users.length} users, ${m.items.length} items, ${m.factors} factors, catalog ${m.catalog ? 'yes' : 'no'}, loaded in ${ms.toFixed(0)} ms`;
}

function log(line: string): void {
  process.stdout.write(`serve: ${line}\n`);
}
