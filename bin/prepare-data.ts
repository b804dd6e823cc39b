/**
 * npm run data:prepare -- --input FILE --output DIR [--split random|temporal] [--test-fraction 0.3]
 *   [--seed 42] [--cutoff-date YYYY-MM-DD] [--min-user-interactions N] [--min-item-interactions N] [--top-n 10]
 * (lambda/prepare-data/cli.ts)
 */
import { main } from '../lambda/prepare-data/cli';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
