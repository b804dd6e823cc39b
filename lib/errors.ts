/** Errors of the CDK app. */
import { NamedError } from '../container/src/errors';

/** Configuration problems, one line per field. */
export class ConfigError extends NamedError {
  constructor(readonly issues: string[]) {
    super(`invalid cdk.json context:\n  ${issues.join('\n  ')}`);
  }
}
