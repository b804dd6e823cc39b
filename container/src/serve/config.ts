/**
 * The server's settings: every environment variable name and default lives here.
 * SageMaker batch transform sets SAGEMAKER_MAX_PAYLOAD_IN_MB itself; the SERVE_* ones are ours.
 */
import * as net from 'node:net';
import * as os from 'node:os';
import { parseDecimal } from '../decimal';
import { BATCH_MAX_PAYLOAD_MB, MAX_REQUEST_ITEMS, payloadItemsBound } from '../limits';
import { DEFAULT_PORT, PORT_ENV } from '../paths';
import { ServeConfigError } from './errors';

/** Largest request body in MB (SageMaker's own name; batch transform sets it from MaxPayloadInMB). */
export const MAX_PAYLOAD_ENV = 'SAGEMAKER_MAX_PAYLOAD_IN_MB';
export const DEFAULT_MAX_PAYLOAD_MB = 6;
/** Most recommendations one request may ask for (top_n summed over its lines); default MAX_REQUEST_ITEMS. */
export const MAX_REQUEST_ITEMS_ENV = 'SERVE_MAX_REQUEST_ITEMS';
/**
 * The address to listen on. Unset (SageMaker): every interface, as SageMaker requires of a
 * container; the local run sets 127.0.0.1.
 */
export const BIND_ADDRESS_ENV = 'SERVE_BIND_ADDRESS';
/** Number of server processes sharing the port (node:cluster); 1 serves from the main process. */
export const WORKERS_ENV = 'SERVE_WORKERS';
/** Cap of the default worker count: each worker holds its own copy of the model. */
export const MAX_DEFAULT_WORKERS = 8;
/** MaxConcurrentTransforms reported to batch transform; defaults to 2 per worker. */
export const MAX_CONCURRENT_TRANSFORMS_ENV = 'SERVE_MAX_CONCURRENT_TRANSFORMS';
/** Ranked lists kept per worker (LRU; the model never changes while serving); 0 turns the cache off. */
export const CACHE_USERS_ENV = 'SERVE_CACHE_USERS';
export const DEFAULT_CACHE_USERS = 10_000;
/** Seconds SIGTERM waits for requests in flight before closing their connections. */
export const SHUTDOWN_GRACE_ENV = 'SERVE_SHUTDOWN_GRACE_SECONDS';
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;

export interface ServeConfig {
  readonly port: number;
  readonly maxPayloadBytes: number;
  readonly maxPayloadMB: number;
  readonly maxRequestItems: number;
  /** Undefined: every interface. */
  readonly bindAddress: string | undefined;
  readonly workers: number;
  readonly maxConcurrentTransforms: number;
  readonly cacheUsers: number;
  readonly shutdownGraceMs: number;
}

/** Reads the settings from the environment; throws ServeConfigError naming the bad variable. */
export function serveConfig(env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const port = intVar(env, PORT_ENV, DEFAULT_PORT, 0, 65535);
  const maxPayloadMB = numberVar(env, MAX_PAYLOAD_ENV, DEFAULT_MAX_PAYLOAD_MB);
  const maxRequestItems = intVar(env, MAX_REQUEST_ITEMS_ENV, MAX_REQUEST_ITEMS, 1, 1_000_000_000);
  const bindAddress = raw(env, BIND_ADDRESS_ENV);
  if (bindAddress !== undefined && net.isIP(bindAddress) === 0)
    throw new ServeConfigError(`${BIND_ADDRESS_ENV} must be an IP address, such as 127.0.0.1, got "${bindAddress}"`);
  const defaultWorkers = Math.max(1, Math.min(os.availableParallelism(), MAX_DEFAULT_WORKERS));
  const workers = intVar(env, WORKERS_ENV, defaultWorkers, 1, 256);
  const maxConcurrentTransforms = intVar(env, MAX_CONCURRENT_TRANSFORMS_ENV, 2 * workers, 1, 1024);
  const cacheUsers = intVar(env, CACHE_USERS_ENV, DEFAULT_CACHE_USERS, 0, 10_000_000);
  const grace = numberVar(env, SHUTDOWN_GRACE_ENV, DEFAULT_SHUTDOWN_GRACE_SECONDS);
  return {
    port,
    maxPayloadMB,
    maxPayloadBytes: Math.floor(maxPayloadMB * 1024 * 1024),
    maxRequestItems,
    bindAddress,
    workers,
    maxConcurrentTransforms,
    cacheUsers,
    shutdownGraceMs: Math.round(grace * 1000),
  };
}

function raw(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ServeConfigError(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

/** A positive number; 0 (SageMaker's "no limit" for chunked payloads) falls back to the default. */
function numberVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (!Number.isFinite(n) || n < 0) throw new ServeConfigError(`${name} must be a non-negative number, got "${v}"`);
  return n === 0 ? fallback : n;
}

/**
 * The MaxPayloadInMB to tell batch transform: the body limit, lowered so that a payload of the
 * shortest possible lines, each with the largest top_n, stays within maxRequestItems (never below
 * 1, the least SageMaker takes, which the default bound covers: see limits.ts).
 */
export function batchPayloadMB(config: Pick<ServeConfig, 'maxPayloadMB' | 'maxRequestItems'>): number {
  let mb = Math.max(BATCH_MAX_PAYLOAD_MB, Math.floor(config.maxPayloadMB));
  while (mb > BATCH_MAX_PAYLOAD_MB && payloadItemsBound(mb) > config.maxRequestItems) mb--;
  return mb;
}
