// Loaded with `node --require` into the `train` processes the training benchmark starts: at exit it
// appends the process's CPU time and peak RSS (every thread included) to $BENCH_USAGE_FILE.
const fs = require('node:fs');

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    fs.appendFileSync(file, JSON.stringify({ cpuSeconds: (r.userCPUTime + r.systemCPUTime) / 1e6, maxRssKb: r.maxRSS }) + '\n');
  });
}
