/**
 * `npm run pipeline -- rollback [--to VERSION] [--wait]`: deploys the previous Approved version of
 * the Model Registry (the newest one older than the live version), or the one named, through the
 * same deployment steps as a training run: an execution of the training state machine with the
 * deploy-only input `{ "deployModelPackage": "<version ARN>" }` (lock, model from the package,
 * blue/green update with alarm rollback, record). --wait follows it as `start --wait` does.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { checkExecutionInput } from '../../lambda/validate-input/input';
import type { DeployOnlyInput } from '../contracts';
import { ApprovalStatus } from '../pipeline-names';
import { STATE_MACHINE_ARN_ENV } from './args';
import { UsageError, VersionNotFoundError } from './errors';
import { numberOption, parseCommandLine } from './options';
import {
  describeVersion,
  groupOf,
  liveRecord,
  listVersions,
  REGISTRY_OPTIONS_USAGE,
  registryOptions,
  registryOptionSpec,
  versionArgument,
  type RegistryOptions,
} from './registry';
import { consoleUrl, ExitCode, findStateMachineArn, followExecution, outcome } from './run';

export const ROLLBACK_USAGE = `usage: npm run pipeline -- rollback [--to VERSION] [--wait] [options]
  --to VERSION                   the Approved version to deploy (default: the newest Approved one older than the live one)
  --wait                         follow the execution; exit 0 when deployed (or already live), 3 when busy, 1 on failure
  --state-machine-arn ARN        (or env ${STATE_MACHINE_ARN_ENV}); default: find "<project>-training-pipeline"
  --name NAME                    execution name (default: generated)
  --poll-seconds N               --wait polling interval (default 10)
  --timeout-minutes N            --wait gives up after this long (default 720)
${REGISTRY_OPTIONS_USAGE}`;

/** The parsed `rollback` command. */
export interface RollbackOptions extends RegistryOptions {
  readonly to?: number;
  readonly wait: boolean;
  readonly stateMachineArn?: string;
  readonly executionName?: string;
  readonly pollSeconds: number;
  readonly timeoutMinutes: number;
}

export function parseRollbackArgs(argv: string[], env: NodeJS.ProcessEnv = {}): RollbackOptions {
  const [command, ...rest] = argv;
  if (command !== 'rollback') throw new UsageError(`expected the command "rollback", got "${command ?? ''}"`);
  const v = parseCommandLine(rest, {
    ...registryOptionSpec,
    to: { type: 'string' },
    wait: { type: 'boolean', default: false },
    'state-machine-arn': { type: 'string' },
    name: { type: 'string' },
    'poll-seconds': { type: 'string' },
    'timeout-minutes': { type: 'string' },
  });
  if (v.name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(v.name))
    throw new UsageError(`--name must be 1-80 letters, digits, - or _, got "${v.name}"`);
  return {
    ...registryOptions(v),
    to: v.to === undefined ? undefined : versionArgument(v.to, '--to'),
    wait: v.wait,
    stateMachineArn: v['state-machine-arn'] ?? (env[STATE_MACHINE_ARN_ENV] || undefined),
    executionName: v.name,
    pollSeconds: numberOption(v['poll-seconds'], 'poll-seconds', { above: 0, atMost: 300 }) ?? 10,
    timeoutMinutes: numberOption(v['timeout-minutes'], 'timeout-minutes', { above: 0 }) ?? 720,
  };
}

/** What rollback needs from the outside world (tests inject fakes). */
export interface RollbackDeps {
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly client: SFNClient;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** The version to deploy: the one named (Approved), or the newest Approved one older than the live one. */
async function target(o: RollbackOptions, deps: RollbackDeps): Promise<{ version: number; arn: string } | 'live'> {
  const record = await liveRecord(deps.ssm, o);
  const live = record?.modelPackageVersion;
  if (o.to !== undefined) {
    const d = await describeVersion(deps.sagemaker, o, o.to);
    if (d.ModelApprovalStatus !== ApprovalStatus.Approved)
      throw new VersionNotFoundError(
        `version ${o.to} is ${d.ModelApprovalStatus}: only Approved versions are deployed (npm run pipeline -- approve ${o.to} first)`,
      );
    return record?.modelPackageArn === d.ModelPackageArn ? 'live' : { version: o.to, arn: String(d.ModelPackageArn) };
  }
  if (live === undefined) throw new VersionNotFoundError('no version is live yet: name the one to deploy with --to VERSION');
  const older = (await listVersions(deps.sagemaker, o, Infinity, ApprovalStatus.Approved)).find((v) => v.version < live);
  if (!older)
    throw new VersionNotFoundError(
      `no Approved version of ${groupOf(o)} is older than the live version ${live}: nothing to roll back to`,
    );
  return { version: older.version, arn: older.arn };
}

/** `rollback`: returns the process exit code. */
export async function runRollback(o: RollbackOptions, deps: RollbackDeps): Promise<number> {
  const chosen = await target(o, deps);
  if (chosen === 'live') {
    deps.log(`version ${o.to} is already live: nothing to do`);
    return ExitCode.Deployed;
  }
  const input: DeployOnlyInput = { deployModelPackage: chosen.arn };
  // The state machine's first task refuses a bad input too; here it fails before the execution starts.
  checkExecutionInput('training', input);
  const stateMachineArn = o.stateMachineArn ?? (await findStateMachineArn(deps.client, o.projectName));
  const started = await deps.client.send(
    new StartExecutionCommand({ stateMachineArn, name: o.executionName, input: JSON.stringify(input) }),
  );
  const executionArn = started.executionArn!;
  deps.log(`deploying version ${chosen.version} (${chosen.arn})`);
  deps.log(`started ${executionArn}`);
  deps.log(`console ${consoleUrl(executionArn)}`);
  if (!o.wait) return ExitCode.Deployed;
  const final = await followExecution(deps, executionArn, o.pollSeconds * 1000, o.timeoutMinutes * 60000);
  const result = outcome(final);
  if (final.output) deps.log(`output ${final.output}`);
  deps.log(result.message);
  return result.code;
}
