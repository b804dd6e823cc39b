/**
 * `npm start [-- options]` (bin/local.ts): runs the synthesized training pipeline (and the batch
 * pipeline) end to end on this machine, prints progress and the summary, and with --keep-serving
 * leaves the endpoint up until Ctrl-C. Returns the process exit code.
 */
import { USAGE, parseOptions, type CliOptions } from './cli';
import { stopAllProcesses } from './processes';
import { progressPrinter } from './progress';
import { runLocal } from './run';
import { formatSummary } from './summary';
import { projectAppBuilder, type LocalPipeline } from './pipeline';

const PROGRESS_LINE = /^(epoch \d+\/\d+ |metric: (epoch|train_loss|samples_per_second)=)/;

async function run(opts: CliOptions, write: (line: string) => void): Promise<number> {
  let pipeline: LocalPipeline | undefined;
  let summaryPath: string | undefined;
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) return;
    stopping = true;
    write('\nstopping ...');
    void (pipeline ? pipeline.stop() : stopAllProcesses()).finally(() => {
      if (summaryPath) write(summaryPath);
      process.exit(130);
    });
  });
  const result = await runLocal({
    workdir: opts.workdir,
    input: opts.input,
    generate: opts.rows ? { rows: opts.rows } : undefined,
    threshold: opts.threshold,
    hyperparameters: opts.hyperparameters,
    tuning: opts.tuning,
    runs: opts.runs,
    keepServing: opts.keepServing,
    ...(opts.prepareEngine ? { buildApp: projectAppBuilder({ prepareEngine: opts.prepareEngine }) } : {}),
    log: (m) => write(`  ${m}`),
    onContainerLine: (source, line) => {
      if (opts.verbose || !PROGRESS_LINE.test(line)) write(`    [${source}] ${line}`);
    },
    onProgress: progressPrinter(write),
  });
  pipeline = result.pipeline;
  summaryPath = result.summaryPath;
  for (const line of formatSummary(result.summary)) write(line);
  const ep = result.summary.endpoint;
  if (opts.keepServing && ep?.url && result.summary.status !== 'FAILED') {
    const user = result.summary.recommendations[0]?.userId ?? '12345';
    write('');
    write('the endpoint keeps serving; try:');
    write(`  curl -s ${ep.url}/ping -o /dev/null -w '%{http_code}\\n'`);
    write(`  curl -s ${ep.url}/invocations -H 'Content-Type: application/json' -d '{"user_id": "${user}", "top_n": "10"}'`);
    write(
      `  curl -s ${ep.url}/invocations -H 'Content-Type: application/json' -H 'Accept: text/csv' -d '{"user_id": "${user}", "top_n": "3"}'`,
    );
    write('press Ctrl-C to stop');
    write(result.summaryPath);
    await new Promise(() => undefined); // until SIGINT
  }
  if (opts.keepServing) {
    // Nothing to keep serving (rejected or failed): stop S3 too, or the process would never exit.
    write('(--keep-serving: no endpoint was deployed, so nothing is left running)');
    await result.pipeline.stop();
  } else if (ep?.url) write('(the endpoint stopped with the run; --keep-serving leaves it up)');
  write(result.summaryPath);
  return result.summary.runs.some((r) => r.status === 'FAILED') ? 1 : 0;
}

/** Exit codes: 0 every training execution ended (deployed, rejected, ...), 1 one failed, 2 bad command line. */
export async function main(argv: string[]): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!opts.verbose) process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // The AWS SDK's notice about its future Node 22 requirement says nothing about this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    return await run(opts, (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`local run failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    await stopAllProcesses();
    return 1;
  }
}
