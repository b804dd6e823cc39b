/**
 * The report's section on a tuned run: the tuning job, its objective per trial (a chart) and every
 * trial's hyperparameters, status and objective (a table), the best one marked. The training job
 * that wrote the report cannot know the other trials, so the publish step adds this section to the
 * best trial's report (lambda/publish-report), with the same HTML blocks and Vega renderer; the page
 * stays self-contained. A chart that cannot be drawn leaves a note, never a missing report.
 */
import type { TopLevelSpec } from 'vega-lite/build/index';
import type { Chart } from './charts';
import { SOURCES } from './charts';
import { el, figure, formatMetric, render, section, table, type Html } from './html';
import { renderCharts } from './render';

/** A trial as the section reads it (SageMaker's HyperParameterTrainingJobSummary fields). */
export interface TrialRow {
  readonly TrainingJobName: string;
  readonly TrainingJobStatus: string;
  readonly TunedHyperParameters: Record<string, string>;
  readonly ObjectiveStatus?: string;
  readonly FinalHyperParameterTuningJobObjectiveMetric?: { readonly Value?: number };
  readonly FailureReason?: string;
}

/** What the section shows (lib/contracts TuningSummary has these fields). */
export interface TuningSection {
  readonly tuningJobName: string;
  readonly strategy: string;
  readonly objectiveMetricName: string;
  readonly best: { readonly trainingJobName: string; readonly objective: number };
  readonly trials: readonly TrialRow[];
}

export const TUNING_CHART_ID = 'tuning-trials';
const BEST = '#cf222e';

/** The objective a trial reported, when it did. */
export function trialObjective(t: TrialRow): number | undefined {
  const v = t.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  return t.ObjectiveStatus === 'Succeeded' && typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The objective of each trial that reported one, in launch order, the best trial marked. */
export function tuningChart(s: TuningSection): Chart {
  const points = s.trials.flatMap((t, i) => {
    const objective = trialObjective(t);
    return objective === undefined
      ? []
      : [{ trial: i + 1, objective, kind: t.TrainingJobName === s.best.trainingJobName ? 'best trial' : 'trial' }];
  });
  return {
    id: TUNING_CHART_ID,
    spec: {
      config: { font: 'sans-serif', background: 'white', view: { stroke: null }, legend: { orient: 'top', title: null } },
      width: 620,
      height: 180,
      data: { values: points },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x: {
          field: 'trial',
          type: 'quantitative',
          title: 'trial (launch order)',
          axis: { tickMinStep: 1 },
          scale: { domainMin: 1 },
        },
        y: { field: 'objective', type: 'quantitative', title: s.objectiveMetricName, scale: { zero: false } },
        color: {
          field: 'kind',
          type: 'nominal',
          scale: { domain: ['trial', 'best trial'], range: [SOURCES.model, BEST] },
        },
      },
    } as TopLevelSpec,
  };
}

/** The section's HTML, with the chart's SVG when there is one. */
export function tuningSection(s: TuningSection, svg: string | undefined): Html {
  const names = [...new Set(s.trials.flatMap((t) => Object.keys(t.TunedHyperParameters)))].sort();
  const rows = s.trials.map((t, i) => {
    const best = t.TrainingJobName === s.best.trainingJobName;
    return [
      best ? el('strong', {}, `${i + 1} (best)`) : String(i + 1),
      el('code', {}, t.TrainingJobName),
      t.TrainingJobStatus + (t.FailureReason ? `: ${t.FailureReason.slice(0, 120)}` : ''),
      ...names.map((n) => t.TunedHyperParameters[n] ?? '–'),
      formatMetric(trialObjective(t)),
    ];
  });
  return section(
    'tuning',
    'Hyperparameter tuning',
    [
      `This model is the best of ${s.trials.length} trials of tuning job `,
      el('code', {}, s.tuningJobName),
      ` (${s.strategy} search): the one with the highest ${s.objectiveMetricName}, measured on the validation slice cut from the training pairs. `,
      `The test pairs took no part in the choice, so the test metrics above are an honest estimate. Best objective: ${formatMetric(s.best.objective)}.`,
    ],
    figure(TUNING_CHART_ID, svg, `${s.objectiveMetricName} of each trial that reported it; red: the best trial, this model.`),
    table(['trial', 'training job', 'status', ...names, s.objectiveMetricName], rows, [
      0,
      ...names.map((_, i) => i + 3),
      names.length + 3,
    ]),
  );
}

/**
 * The report with the tuning section inserted before its footer (or at the end of its main part);
 * the chart drawn by the report's renderer, or a note saying why it is not there.
 */
export async function withTuningSection(html: string, s: TuningSection): Promise<{ html: string; chartError: string | null }> {
  let svg: string | undefined;
  let chartError: string | null = null;
  try {
    svg = (await renderCharts([tuningChart(s)])).get(TUNING_CHART_ID);
  } catch (err) {
    chartError = (err as Error).message;
  }
  const part = render(tuningSection(s, svg));
  const at = html.lastIndexOf('<footer');
  const end = at >= 0 ? at : html.lastIndexOf('</main>');
  if (end < 0) return { html: html + part, chartError };
  return { html: html.slice(0, end) + part + html.slice(end), chartError };
}
