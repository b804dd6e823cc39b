/**
 * Child processes of the local pipeline: the container's `train` (run to completion) and
 * `serve` (a server on a loopback port). Every child is tracked so that one call stops them all,
 * on success, on error and on Ctrl-C. A container gets this process's environment without any
 * AWS_* variable (as in SageMaker, where the algorithm sees no caller credentials), and `serve`
 * listens on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { BIND_ADDRESS_ENV } from '../container/src/serve/config';
import { PROJECT_ROOT } from '../lib/project-root';
import { ContainerProcessError } from './errors';

/** How the container program is started: `command ...args train|serve`. */
export interface ContainerCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** The in-repo container's program, compiled by `npx tsc -p container`. */
export function containerMain(root = PROJECT_ROOT): string {
  return path.join(root, 'container', 'dist', 'main.js');
}

/** The in-repo container, run by this Node.js. */
export function defaultContainerCommand(root = PROJECT_ROOT): ContainerCommand {
  return { command: process.execPath, args: [containerMain(root)] };
}

/** The loopback address local servers listen on. */
export const LOOPBACK = '127.0.0.1';

/** `env` without AWS_* variables (credentials, profile, region...): nothing of the caller's AWS identity reaches a container. */
export function containerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('AWS_')));
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Sends SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every child this process started and has not stopped yet. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...children].map((c) => stopProcess(c)));
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The process ran past timeoutMs and was stopped. */
  readonly timedOut: boolean;
  /** stdout and stderr interleaved as received, as CloudWatch Logs would hold them. */
  readonly log: string;
}

/** Runs `command ...args` to completion, collecting its output; onLine sees each output line. */
export function runToCompletion(
  cmd: ContainerCommand,
  extraArgs: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
  timeoutMs = 0,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, [...cmd.args, ...extraArgs], {
      env: containerEnvironment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const chunks: string[] = [];
    let pending = '';
    const onData = (data: Buffer) => {
      const text = data.toString('utf8');
      chunks.push(text);
      if (!onLine) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), void stopProcess(child)), timeoutMs) : undefined;
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pending && onLine) onLine(pending);
      resolve({ code, signal, timedOut, log: chunks.join('') });
    });
  });
}

/** A free TCP port on 127.0.0.1 (asked of the OS with port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** GET url; resolves with the status code, or 0 when nothing answers. */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Output so far (for error reports). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `command ...args serve` on a free port of 127.0.0.1 only and waits until GET /ping answers 200. */
export async function startServer(
  cmd: ContainerCommand,
  env: NodeJS.ProcessEnv,
  portEnv: string,
  readyTimeoutMs = 60000,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(cmd.command, [...cmd.args, 'serve'], {
    env: { ...containerEnvironment(env), [portEnv]: String(port), [BIND_ADDRESS_ENV]: LOOPBACK },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const out: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => out.push(d.toString('utf8')));
  const url = `http://${LOOPBACK}:${port}`;
  const server: ServerProcess = { url, port, child, log: () => out.join(''), stop: () => stopProcess(child) };
  const deadline = Date.now() + readyTimeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new ContainerProcessError(`serve exited before answering /ping: ${lastLines(server.log())}`);
    if ((await httpStatus(`${url}/ping`)) === 200) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  throw new ContainerProcessError(`serve did not answer /ping within ${readyTimeoutMs} ms: ${lastLines(server.log())}`);
}

/** The last few lines of a log, for error messages. */
export function lastLines(log: string, n = 5): string {
  return log.trim().split('\n').slice(-n).join(' | ').slice(0, 1024);
}
