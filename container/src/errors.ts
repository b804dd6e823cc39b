/**
 * The one base class of the project's named errors (container, Lambdas, CDK app, local run, CLIs).
 * `name` is the subclass's name: logs, HTTP answers, `output/failure` and Step Functions (which
 * matches a Lambda's or a local task's error by name) see it. The container image is built from
 * `container/` alone, so the base lives here and the rest of the tree imports it.
 */
export class NamedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // Bundles must keep class names (esbuild keepNames) for this to survive minification.
    this.name = new.target.name;
  }
}

/**
 * A value as an error message quotes it: JSON, cut after `max` characters. Messages end up in HTTP
 * answers, output/failure (1,024 characters kept) and Step Functions causes, so a 1 MB field or a
 * file of binary junk shows only its start, with control characters escaped.
 */
export function quoted(value: unknown, max = 60): string {
  if (typeof value === 'string') {
    return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // a cycle or a BigInt: never from JSON input
  }
  text ??= String(value);
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** A name (a key, a hyperparameter) as an error message shows it: as it is when plain, else quoted(). */
export function shownName(name: string): string {
  return /^[\w.-]{1,60}$/.test(name) ? name : quoted(name);
}
