#!/usr/bin/env node
/** `npm run pipeline -- start [...]`: starts (and with --wait follows) a training pipeline execution. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseStartArgs, USAGE } from '../lib/cli/args';
import { UsageError } from '../lib/cli/errors';
import { ExitCode, runStart } from '../lib/cli/run';

async function main(): Promise<number> {
  try {
    const opts = parseStartArgs(process.argv.slice(2), process.env);
    const client = new SFNClient(opts.region ? { region: opts.region } : {});
    return await runStart(opts, {
      client,
      log: (line) => console.log(line),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return ExitCode.Usage;
    }
    console.error(`pipeline: ${(err as Error).name}: ${(err as Error).message}`);
    return ExitCode.Failed;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
