/**
 * The HTTP layer over node:http: three routes, body limit, content negotiation, JSON errors.
 * The model arrives after the server listens (setModel); until then /ping and /invocations answer 503.
 * The work of a request is bounded (top_n summed over its lines, request.ts) and a large answer is
 * streamed a slice of lines at a time, waiting for the client to take each: memory per request
 * stays near its body's size whatever the answer's.
 */
import * as http from 'node:http';
import type { LoadedModel } from '../model/store';
import { batchPayloadMB, type ServeConfig } from './config';
import { NotAcceptableError, PayloadTooLargeError, RequestError, UnsupportedMediaTypeError } from './errors';
import { formatCsv, formatJson } from './format';
import { CSV_TYPE, JSON_LINES_TYPES, JSON_TYPE, SUPPORTED_IN, SUPPORTED_OUT } from './media-types';
import { Recommender, type RecommendRequest } from './recommend';
import { parseBody } from './request';

export const ROUTES = { ping: '/ping', invocations: '/invocations', executionParameters: '/execution-parameters' } as const;
export { CSV_TYPE, JSON_LINES_TYPES, JSON_TYPE, SUPPORTED_IN, SUPPORTED_OUT } from './media-types';
/** Requests ranked and written per slice of a streamed answer. */
const SLICE = 256;

export interface ModelServer {
  readonly server: http.Server;
  /** Gives the server its model; it serves it once setReady(true) is called. */
  setModel(model: LoadedModel): void;
  /** /ping answers 200 and /invocations serves only when ready (cluster mode waits for every worker). */
  setReady(ready: boolean): void;
  /** Stops accepting, lets requests in flight finish, resolves once every connection is closed. */
  shutdown(graceMs: number): Promise<void>;
}

export function createModelServer(config: ServeConfig): ModelServer {
  let recommender: Recommender | undefined;
  let ready = false;
  let closing = false;

  const server = http.createServer((req, res) => {
    if (closing) res.setHeader('Connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = q < 0 ? url : url.slice(0, q);
    try {
      if (route === ROUTES.ping) {
        if (!allow(req, res, 'GET')) return;
        if (ready) send(res, 200, JSON_TYPE, '{"status":"ok"}');
        else send(res, 503, JSON_TYPE, '{"status":"loading"}');
      } else if (route === ROUTES.executionParameters) {
        if (!allow(req, res, 'GET')) return;
        const params = {
          MaxConcurrentTransforms: config.maxConcurrentTransforms,
          BatchStrategy: 'MULTI_RECORD',
          MaxPayloadInMB: batchPayloadMB(config),
        };
        send(res, 200, JSON_TYPE, JSON.stringify(params));
      } else if (route === ROUTES.invocations) {
        if (!allow(req, res, 'POST')) return;
        invocations(req, res);
      } else {
        sendError(res, new RequestError(404, `no route ${route}; routes are ${Object.values(ROUTES).join(', ')}`));
      }
    } catch (err) {
      sendError(res, err);
    }
  });

  function invocations(req: http.IncomingMessage, res: http.ServerResponse): void {
    const rec = recommender;
    if (!ready || !rec) {
      sendError(res, new RequestError(503, 'the model is still loading'));
      return;
    }
    const inType = mediaType(req.headers['content-type']);
    const jsonLines = (JSON_LINES_TYPES as readonly string[]).includes(inType ?? '');
    if (inType !== JSON_TYPE && !jsonLines) throw new UnsupportedMediaTypeError(req.headers['content-type'], SUPPORTED_IN);
    const csv = wantsCsv(req.headers.accept);
    const limit = config.maxPayloadBytes;
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      rejectBody(req, res, new PayloadTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        rejectBody(req, res, new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      // SIGTERM may have come while the body was arriving: this response then ends the connection.
      if (closing) res.setHeader('Connection', 'close');
      try {
        const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        chunks.length = 0;
        const parsed = parseBody(body, jsonLines, config.maxRequestItems);
        const type = csv ? CSV_TYPE : parsed.lines ? JSON_LINES_TYPES[0] : JSON_TYPE;
        answer(res, rec, parsed.requests, csv, type).catch((err: unknown) => sendError(res, err));
      } catch (err) {
        sendError(res, err);
      }
    });
    req.on('error', () => {
      failed = true;
    });
  }

  return {
    server,
    setModel(model) {
      recommender = new Recommender(model, { cacheSize: config.cacheUsers });
    },
    setReady(r) {
      ready = r && recommender !== undefined;
    },
    shutdown(graceMs) {
      closing = true;
      return new Promise((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // Keep-alive connections idle now close at once; busy ones close after their response
        // (which carries Connection: close) because the server is no longer listening.
        server.closeIdleConnections();
      });
    },
  };
}

/**
 * Writes the recommendations: in one piece when there are few requests, else streamed a slice at
 * a time (chunked), each slice ranked and formatted only once the client has taken the previous
 * one. Slices are joined as the whole-body formats join requests: by "\n", no trailing newline.
 */
async function answer(
  res: http.ServerResponse,
  rec: Recommender,
  requests: readonly RecommendRequest[],
  csv: boolean,
  type: string,
): Promise<void> {
  const format = csv ? formatCsv : formatJson;
  if (requests.length <= SLICE) {
    send(res, 200, type, format(rec.model, rec.recommendMany(requests)));
    return;
  }
  res.writeHead(200, { 'Content-Type': type });
  let first = true;
  for (let at = 0; at < requests.length; at += SLICE) {
    if (res.destroyed) return; // the client went away: stop working for it
    const text = format(rec.model, rec.recommendMany(requests.slice(at, at + SLICE)));
    if (text === '') continue; // CSV lines of users with nothing left to recommend
    const more = res.write(first ? text : `\n${text}`);
    first = false;
    if (!more) await drained(res);
  }
  res.end();
}

/** Resolves when the response can take more, or has closed. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** `application/json; charset=utf-8` -> `application/json`. */
function mediaType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

/** The first supported type listed in Accept wins (q-values are not weighed); none listed: 406. */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const t = mediaType(part) ?? '';
    if (t === CSV_TYPE) return true;
    if (t === JSON_TYPE || t === '*/*' || t === 'application/*' || (JSON_LINES_TYPES as readonly string[]).includes(t))
      return false;
  }
  throw new NotAcceptableError(accept, SUPPORTED_OUT);
}

function allow(req: http.IncomingMessage, res: http.ServerResponse, method: string): boolean {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return true;
  res.setHeader('Allow', method === 'GET' ? 'GET, HEAD' : method);
  sendError(res, new RequestError(405, `${req.method} is not allowed on ${req.url}; use ${method}`));
  req.resume();
  return false;
}

/** Answers at once and closes the connection: the rest of an oversized body is never read. */
function rejectBody(req: http.IncomingMessage, res: http.ServerResponse, err: RequestError): void {
  res.setHeader('Connection', 'close');
  sendError(res, err);
  res.on('finish', () => req.destroy());
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Request errors carry their own status and safe message; anything else is a bare 500. */
function sendError(res: http.ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = err instanceof RequestError;
  if (!known) process.stderr.write(`serve: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  send(res, known ? err.status : 500, JSON_TYPE, JSON.stringify({ error: known ? err.message : 'internal error' }));
}
