/**
 * `npm run pipeline -- teardown [--confirm]`: deletes what the pipeline created in SageMaker and
 * SSM, which `cdk destroy` does not own: the endpoint (billed while it runs), every endpoint
 * configuration and model with the project's prefixes, and the deployment record. Without
 * --confirm it lists them and deletes nothing. The buckets (and their data) stay: they are retained
 * by the data stack.
 */
import { DeleteParameterCommand, GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { deleteResource, describeEndpoint, listByPrefix } from '../../lambda/shared/sagemaker-resources';
import { DEFAULT_CONFIG } from '../config';
import { resourceNames } from '../pipeline-names';
import { EndpointStatus } from '../aws-errors';
import { UsageError } from './errors';
import { parseCommandLine } from './options';

export const TEARDOWN_USAGE = `usage: npm run pipeline -- teardown [--confirm] [options]
  --confirm                      delete (without it: list what would be deleted, delete nothing)
  --project NAME                 project name: prefixes of models and endpoint configurations (default: ${DEFAULT_CONFIG.projectName})
  --endpoint NAME                the endpoint (default: ${DEFAULT_CONFIG.endpointName})
  --region REGION                AWS region (default: the SDK's configuration)
  --timeout-minutes N            how long to wait for the endpoint to go (default 30)`;

/** The parsed `teardown` command. */
export interface TeardownOptions {
  readonly confirm: boolean;
  readonly projectName: string;
  readonly endpointName: string;
  readonly region?: string;
  readonly timeoutMinutes: number;
}

/** Parses the arguments after `npm run pipeline --` (the first is `teardown`). */
export function parseTeardownArgs(argv: string[]): TeardownOptions {
  const [command, ...rest] = argv;
  if (command !== 'teardown') throw new UsageError(`expected the command "teardown", got "${command ?? ''}"`);
  const v = parseCommandLine(rest, {
    confirm: { type: 'boolean', default: false },
    project: { type: 'string', default: DEFAULT_CONFIG.projectName },
    endpoint: { type: 'string', default: DEFAULT_CONFIG.endpointName },
    region: { type: 'string' },
    'timeout-minutes': { type: 'string', default: '30' },
  });
  const timeoutMinutes = Number(v['timeout-minutes']);
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0)
    throw new UsageError(`--timeout-minutes must be a number > 0, got "${v['timeout-minutes']}"`);
  return { confirm: v.confirm, projectName: v.project, endpointName: v.endpoint, region: v.region, timeoutMinutes };
}

/** What teardown needs from the outside world (tests and the local run pass their own). */
export interface TeardownDeps {
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

const POLL_MS = 15000;
/** States in which SageMaker refuses DeleteEndpoint ("Cannot update in-progress endpoint"). */
const IN_PROGRESS: readonly string[] = [
  EndpointStatus.Creating,
  EndpointStatus.Updating,
  EndpointStatus.SystemUpdating,
  EndpointStatus.RollingBack,
];

async function recordExists(ssm: SSMClient, name: string): Promise<boolean> {
  try {
    await ssm.send(new GetParameterCommand({ Name: name }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ParameterNotFound') return false;
    throw err;
  }
}

/** Waits until `done` holds or the deadline passes; returns whether it held. */
async function waitFor(deps: TeardownDeps, deadline: number, done: () => Promise<boolean>): Promise<boolean> {
  for (;;) {
    if (await done()) return true;
    if (deps.now() >= deadline) return false;
    await deps.sleep(POLL_MS);
  }
}

/** Lists, and with --confirm deletes; returns the process exit code (0 done or listed, 1 failed). */
export async function runTeardown(opts: TeardownOptions, deps: TeardownDeps): Promise<number> {
  const { sagemaker, log } = deps;
  const names = resourceNames(opts.projectName);
  const endpoint = await describeEndpoint(sagemaker, opts.endpointName);
  const configs = await listByPrefix(sagemaker, 'endpointConfig', names.endpointConfigPrefix);
  const models = await listByPrefix(sagemaker, 'model', names.modelPrefix);
  const record = await recordExists(deps.ssm, names.deploymentParameter);
  log(`endpoint ${opts.endpointName}: ${endpoint ? endpoint.status : 'none'}`);
  log(`endpoint configurations (${names.endpointConfigPrefix}*): ${configs.map((c) => c.name).join(', ') || 'none'}`);
  log(`models (${names.modelPrefix}*): ${models.map((m) => m.name).join(', ') || 'none'}`);
  log(`deployment record ${names.deploymentParameter}: ${record ? 'present' : 'none'}`);
  if (!opts.confirm) {
    log('nothing was deleted: run again with --confirm to delete the above');
    return 0;
  }

  const deadline = deps.now() + opts.timeoutMinutes * 60000;
  if (endpoint) {
    // An endpoint being created or updated cannot be deleted yet: wait for SageMaker to finish.
    const settled = await waitFor(
      deps,
      deadline,
      async () => !IN_PROGRESS.includes((await describeEndpoint(sagemaker, opts.endpointName))?.status ?? ''),
    );
    if (!settled) {
      log(
        `endpoint ${opts.endpointName} is still in progress after ${opts.timeoutMinutes} min: nothing was deleted, run teardown again later`,
      );
      return 1;
    }
    if ((await describeEndpoint(sagemaker, opts.endpointName))?.status !== EndpointStatus.Deleting) {
      await deleteResource(sagemaker, 'endpoint', opts.endpointName);
    }
    log(`deleting endpoint ${opts.endpointName} ...`);
    if (!(await waitFor(deps, deadline, async () => (await describeEndpoint(sagemaker, opts.endpointName)) === undefined))) {
      log(`endpoint ${opts.endpointName} is still being deleted after ${opts.timeoutMinutes} min: run teardown again later`);
      return 1;
    }
    log(`deleted endpoint ${opts.endpointName}`);
  }
  for (const c of configs)
    if (await deleteResource(sagemaker, 'endpointConfig', c.name)) log(`deleted endpoint configuration ${c.name}`);
  for (const m of models) if (await deleteResource(sagemaker, 'model', m.name)) log(`deleted model ${m.name}`);
  if (record) {
    try {
      await deps.ssm.send(new DeleteParameterCommand({ Name: names.deploymentParameter }));
    } catch (err) {
      if ((err as Error).name !== 'ParameterNotFound') throw err;
    }
    log(`deleted deployment record ${names.deploymentParameter}`);
  }
  log('teardown complete; the buckets and their data are kept (see docs/production.md, "Teardown")');
  return 0;
}
