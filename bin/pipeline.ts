#!/usr/bin/env node
/**
 * `npm run pipeline -- start [...]`: starts (and with --wait follows) a training pipeline execution.
 * `npm run pipeline -- teardown [--confirm]`: deletes the endpoint, its configurations, the models and the deployment record.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseStartArgs, USAGE } from '../lib/cli/args';
import { UsageError } from '../lib/cli/errors';
import { ExitCode, runStart } from '../lib/cli/run';
import { parseTeardownArgs, runTeardown, TEARDOWN_USAGE } from '../lib/cli/teardown';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(line);

async function main(argv: string[]): Promise<number> {
  const teardown = argv[0] === 'teardown';
  try {
    if (teardown) {
      const opts = parseTeardownArgs(argv);
      const clients = opts.region ? { region: opts.region } : {};
      return await runTeardown(opts, {
        sagemaker: new SageMakerClient(clients),
        ssm: new SSMClient(clients),
        log,
        sleep,
        now: () => Date.now(),
      });
    }
    const opts = parseStartArgs(argv, process.env);
    const client = new SFNClient(opts.region ? { region: opts.region } : {});
    return await runStart(opts, { client, log, sleep, now: () => Date.now() });
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${teardown ? TEARDOWN_USAGE : `${USAGE}\n${TEARDOWN_USAGE}`}`);
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
