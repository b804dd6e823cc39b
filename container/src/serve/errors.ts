/** Named errors of the model server. Each request error carries the HTTP status it maps to. */
import { NamedError } from '../errors';

/** A request the server refuses; `message` is safe to send to the client (no internals). */
export class RequestError extends NamedError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400: the body or a field of it is invalid. */
export class BadRequestError extends RequestError {
  constructor(message: string) {
    super(400, message);
  }
}

/** 413: the body is larger than the payload limit. */
export class PayloadTooLargeError extends RequestError {
  constructor(limitBytes: number) {
    super(413, `request body exceeds the limit of ${limitBytes} bytes`);
  }
}

/** 413: the lines of the body ask for more recommendations (top_n summed) than one request may. */
export class TooManyRecommendationsError extends RequestError {
  constructor(limit: number, line: number) {
    super(
      413,
      `the request asks for more than ${limit} recommendations by line ${line} (top_n summed over its lines); send fewer lines or a smaller top_n`,
    );
  }
}

/** 415: the Content-Type is not one the server reads. */
export class UnsupportedMediaTypeError extends RequestError {
  constructor(contentType: string | undefined, supported: readonly string[]) {
    super(415, `unsupported Content-Type ${contentType ? `"${contentType}"` : '(none)'}; use one of ${supported.join(', ')}`);
  }
}

/** 406: the Accept header asks for a format the server does not write. */
export class NotAcceptableError extends RequestError {
  constructor(accept: string, supported: readonly string[]) {
    super(406, `cannot produce Accept "${accept}"; use one of ${supported.join(', ')}`);
  }
}

/** A server setting (environment variable) is invalid: the server refuses to start. */
export class ServeConfigError extends NamedError {}
