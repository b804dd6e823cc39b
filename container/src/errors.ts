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
