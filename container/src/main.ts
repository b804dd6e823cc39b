/**
 * Container entry point. SageMaker runs `docker run IMAGE train` and `docker run IMAGE serve`;
 * locally and in tests the same program runs as `node container/dist/main.js train|serve`.
 */
import { runTrain } from './train';
import { runServe } from './serve';

const COMMANDS: Record<string, () => Promise<number>> = { train: runTrain, serve: runServe };

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`usage: main.js ${Object.keys(COMMANDS).join('|')}\n`);
    return 2;
  }
  return run();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
