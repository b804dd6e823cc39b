/**
 * A tuned run's report section as the PublishReport Lambda and `npm start` draw it: Vega loads
 * through a real import(), which jest's module system does not offer, so the compiled module
 * (container/dist, built by pretest) runs in a child process of its own.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { TuningSection } from '../../container/src/report/tuning';

const TUNING = path.join(__dirname, '..', '..', 'container', 'dist', 'report', 'tuning.js');

function trial(n: number, value: number | null) {
  return {
    TrainingJobName: `bpr-tune-0123456789ab-00${n}-abcdef0${n}`,
    TrainingJobStatus: value === null ? 'Failed' : 'Completed',
    TunedHyperParameters: { factors: String(16 * n), learning_rate: String(0.05 * n) },
    ObjectiveStatus: value === null ? 'Failed' : 'Succeeded',
    ...(value === null
      ? { FailureReason: 'AlgorithmError: boom' }
      : { FinalHyperParameterTuningJobObjectiveMetric: { Value: value } }),
  };
}

test("the tuning section's chart is drawn: one mark per trial that reported the objective, the best one in red", () => {
  const section: TuningSection = {
    tuningJobName: 'bpr-tune-0123456789ab',
    strategy: 'Bayesian',
    objectiveMetricName: 'validation_p@k(10)',
    best: { trainingJobName: trial(2, 0.2).TrainingJobName, objective: 0.2 },
    trials: [trial(1, 0.1), trial(2, 0.2), trial(3, null), trial(4, 0.15)],
  };
  const script = `require(${JSON.stringify(TUNING)}).withTuningSection('<main><footer>f</footer></main>', JSON.parse(process.argv[1]))
    .then((r) => process.stdout.write(JSON.stringify(r)))`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(section)], { encoding: 'utf8', timeout: 60000 });
  const { html, chartError } = JSON.parse(out) as { html: string; chartError: string | null };
  expect(chartError).toBeNull();
  const figure = html.slice(html.indexOf('data-chart="tuning-trials"'));
  expect(figure).toMatch(/^data-chart="tuning-trials"><svg/);
  const svg = figure.slice(0, figure.indexOf('</svg>'));
  expect(svg).not.toContain('chart not available');
  // Three trials reported the objective (the failed one did not): three symbols, one of them the best's colour.
  const symbols = svg.match(/<path[^>]*aria-roledescription="point"[^>]*>/g) ?? [];
  expect(symbols).toHaveLength(3);
  expect(symbols.filter((s) => s.includes('#cf222e'))).toHaveLength(1);
});
