#!/usr/bin/env node
/**
 * The pipeline CLI:
 * `npm run pipeline -- start [...]`: starts (and with --wait follows) a training pipeline execution.
 * `npm run pipeline -- models | approve VERSION | reject VERSION`: the Model Registry's versions.
 * `npm run pipeline -- rollback [--to VERSION] [--wait]`: deploys an earlier Approved version.
 * `npm run pipeline -- teardown [--confirm]`: deletes the endpoint, its configurations, the models and the deployment record.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseStartArgs, USAGE } from '../lib/cli/args';
import { UsageError } from '../lib/cli/errors';
import { parseRegistryArgs, REGISTRY_USAGE, runApproval, runModels } from '../lib/cli/registry';
import { parseRollbackArgs, ROLLBACK_USAGE, runRollback } from '../lib/cli/rollback';
import { ExitCode, runStart } from '../lib/cli/run';
import { parseTeardownArgs, runTeardown, TEARDOWN_USAGE } from '../lib/cli/teardown';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(line);
const now = () => Date.now();
const clients = (region?: string) => {
  const config = region ? { region } : {};
  return { sagemaker: new SageMakerClient(config), ssm: new SSMClient(config), client: new SFNClient(config) };
};

/** The usage text of each command (all of them for an unknown one). */
const USAGES: Record<string, string> = {
  start: USAGE,
  models: REGISTRY_USAGE,
  approve: REGISTRY_USAGE,
  reject: REGISTRY_USAGE,
  rollback: ROLLBACK_USAGE,
  teardown: TEARDOWN_USAGE,
};

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? '';
  try {
    if (command === 'teardown') {
      const opts = parseTeardownArgs(argv);
      return await runTeardown(opts, { ...clients(opts.region), log, sleep, now });
    }
    if (command === 'models' || command === 'approve' || command === 'reject') {
      const opts = parseRegistryArgs(argv);
      const deps = { ...clients(opts.region), log };
      return opts.command === 'models' ? await runModels(opts, deps) : await runApproval(opts, deps);
    }
    if (command === 'rollback') {
      const opts = parseRollbackArgs(argv, process.env);
      return await runRollback(opts, { ...clients(opts.region), log, sleep, now });
    }
    const opts = parseStartArgs(argv, process.env);
    return await runStart(opts, { client: clients(opts.region).client, log, sleep, now });
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(
        `${err.message}\n${
          USAGES[command] ??
          Object.values(USAGES)
            .filter((u, i, all) => all.indexOf(u) === i)
            .join('\n')
        }`,
      );
      return ExitCode.Usage;
    }
    console.error(`pipeline: ${(err as Error).name}: ${(err as Error).message}`);
    return ExitCode.Failed;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
