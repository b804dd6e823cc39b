/**
 * The report page: its charts (built from the report model) and its sections, top to bottom:
 * headline, metrics against the baseline and the live model, training curve, depth, diversity,
 * then the details (details.ts): customers, data, the run.
 */
import { countBars, depthChart, gateChart, longTailChart, metricsChart, trainingCurve, type Chart, type Source } from './charts';
import { customersSection, dataSection, pairsPerCustomerRows, droppedRows, runSection } from './details';
import { el, figure, formatCount, formatMetric, formatPercent, formatSeconds, metricValue, page, section, table } from './html';
import { METRIC_PREFIX, type ReportModel } from './model';

const SOURCE_LABEL: Record<Source, string> = { model: 'this model', baseline: 'popularity baseline', champion: 'live model' };

/** The charts of a report model (those that have data). */
export function reportCharts(m: ReportModel): Chart[] {
  const charts: Chart[] = [];
  const fit = m.input.fit;
  const points = fit.history.map((e) => ({
    epoch: e.epoch,
    loss: e.loss,
    validation: e.validation ?? null,
    learningRate: e.learningRate,
  }));
  if (points.length) charts.push(trainingCurve(points, fit.bestEpoch, `validation p@k(${m.evalK})`));
  const gateRow = m.metricRows.find((r) => r.name === m.gate.metric);
  const gateValues = m.sources.flatMap((s) =>
    gateRow?.values[s] === undefined ? [] : [{ source: s, value: gateRow.values[s]! }],
  );
  if (gateValues.length) charts.push(gateChart(gateValues, m.gate.metric, m.gate.threshold));
  const metricValues = m.metricRows.flatMap((r) =>
    m.sources.flatMap((s) => (r.values[s] === undefined ? [] : [{ metric: r.name, source: s, value: r.values[s]! }])),
  );
  if (metricValues.length) {
    charts.push(
      metricsChart(
        metricValues,
        m.metricRows.map((r) => r.name),
        m.sources,
      ),
    );
  }
  const depthSources = m.sources.filter((s) => m.depth[s]);
  if (depthSources.length) {
    const depthPoints = depthSources.flatMap((source) =>
      (['precision', 'recall'] as const).flatMap((measure) =>
        m.depth[source]![measure].map((value, i) => ({ k: i + 1, source, measure: `${measure}@K`, value })),
      ),
    );
    charts.push(depthChart(depthPoints, m.evalK, depthSources));
  }
  if (m.diversity) {
    const tail = m.diversity.bins.flatMap((b) => {
      const ranks = b.fromRank === b.toRank ? String(b.fromRank) : `${b.fromRank}–${b.toRank}`;
      return [
        { ranks, source: 'model' as const, share: b.model },
        { ranks, source: 'baseline' as const, share: b.baseline },
      ];
    });
    charts.push(longTailChart(tail, ['model', 'baseline']));
  }
  const stats = m.input.stats;
  if (stats?.rowsDropped) charts.push(countBars('cleaning', droppedRows(stats), 'rows dropped'));
  if (stats?.pairsPerCustomer) charts.push(countBars('pairs-per-customer', pairsPerCustomerRows(stats), 'customers'));
  return charts;
}

function header(m: ReportModel): ReturnType<typeof el> {
  const { input } = m;
  const row = m.metricRows.find((r) => r.name === m.gate.metric);
  const value = row?.values.model;
  const baseline = row?.values.baseline;
  const champion = row?.values.champion;
  const threshold = m.gate.threshold;
  const verdict = (ok: boolean, yes: string, no: string) => el('span', { class: ok ? 'pass' : 'fail' }, ok ? yes : no);
  const card = (label: string, ...body: Parameters<typeof el>[2][]) =>
    el('div', { class: 'card' }, el('div', { class: 'label' }, label), ...body);
  const hp = input.hyperparameters;
  return el(
    'header',
    {},
    el('h1', {}, 'Model report'),
    el(
      'p',
      { class: 'sub' },
      input.jobName ? ['training job ', el('code', {}, input.jobName), ' · '] : 'local training run · ',
      `created ${input.createdAt} · BPR, ${hp.factors} factors · evaluated at K = ${m.evalK}`,
    ),
    el(
      'div',
      { class: 'cards' },
      card(
        `${m.gate.metric} (the gate's metric)`,
        el('div', { class: 'big' }, metricValue(m.gate.metric, value)),
        el(
          'div',
          { class: 'small' },
          'baseline ',
          metricValue(METRIC_PREFIX.baseline + m.gate.metric, baseline),
          champion === undefined ? null : [' · live model ', metricValue(METRIC_PREFIX.champion + m.gate.metric, champion)],
        ),
      ),
      card(
        'gate',
        el('div', { class: 'big' }, threshold === null ? '–' : `≥ ${threshold}`),
        el(
          'div',
          { class: 'small' },
          threshold === null || value === undefined
            ? 'threshold not passed to this run'
            : verdict(value >= threshold, 'reaches the threshold', 'below the threshold'),
          value === undefined || baseline === undefined
            ? null
            : [' · ', verdict(value > baseline, 'beats', 'does not beat'), ' the baseline'],
        ),
      ),
      card(
        'lift over the baseline',
        el('div', { class: 'big' }, value !== undefined && baseline ? `× ${(value / baseline).toFixed(2)}` : '–'),
        el(
          'div',
          { class: 'small' },
          champion !== undefined && value !== undefined
            ? `× ${(value / champion).toFixed(2)} the live model`
            : 'no live model measured',
        ),
      ),
      card(
        'training',
        el('div', { class: 'big' }, formatSeconds(input.fit.seconds)),
        el('div', { class: 'small' }, `${input.fit.epochsRun} epochs, kept epoch ${input.fit.bestEpoch}`),
      ),
      card(
        'catalog coverage',
        el('div', { class: 'big' }, formatPercent(m.metricRows.find((r) => r.name === 'coverage')?.values.model)),
        el('div', { class: 'small' }, `of ${formatCount(input.data.items.size)} items recommended at least once`),
      ),
    ),
  );
}

function metricsSection(m: ReportModel, svg: Map<string, string>) {
  const head = ['metric', ...m.sources.map((s) => SOURCE_LABEL[s])];
  const rows = m.metricRows.map((r) => [r.name, ...m.sources.map((s) => metricValue(METRIC_PREFIX[s] + r.name, r.values[s]))]);
  return section(
    'metrics',
    m.sources.includes('champion') ? 'Against the baseline and the live model' : 'Against the popularity baseline',
    [
      `Test metrics of this model, of the popularity baseline (the items bought by the most customers) `,
      m.sources.includes('champion') ? 'and of the live model, on the same test pairs. ' : 'on the same test pairs. ',
      `precision@K = hits / (K × customers); p@k(K) = hits / Σ min(K, test items); the gate deploys a model whose ${m.gate.metric} reaches the threshold and beats the baseline.`,
    ],
    m.metricRows.every((r) => r.values.model === undefined)
      ? el('p', { class: 'note' }, 'This run had no test data: nothing was evaluated.')
      : [
          el(
            'div',
            { class: 'cols' },
            table(
              head,
              rows,
              m.sources.map((_, i) => i + 1),
            ),
            figure('gate', svg.get('gate'), `${m.gate.metric} of each model; the dashed line is the gate's threshold.`),
          ),
          figure('metrics', svg.get('metrics'), 'Every headline metric, one bar per model.'),
        ],
  );
}

function trainingSection(m: ReportModel, svg: Map<string, string>) {
  const fit = m.input.fit;
  return section(
    'training',
    'Training',
    [
      `Train loss and learning rate per epoch, and the validation p@k(${m.evalK}) on the held-out slice of the training pairs where checked. `,
      `The kept epoch (${fit.bestEpoch} of ${fit.epochsRun}) is the model that was saved`,
      fit.bestValidation === null ? '.' : ` (validation ${formatMetric(fit.bestValidation)}).`,
    ],
    figure('training-curve', svg.get('training-curve'), 'Dashed line: the kept epoch.'),
  );
}

function depthSection(m: ReportModel, svg: Map<string, string>) {
  const model = m.depth.model;
  if (!model) return null;
  const ks = [1, 5, m.evalK, 20].filter((k, i, a) => k <= model.precision.length && a.indexOf(k) === i).sort((a, b) => a - b);
  const sources = m.sources.filter((s) => m.depth[s]);
  const rows = sources.flatMap((s) =>
    (['precision', 'recall'] as const).map((measure) => [
      `${measure} · ${SOURCE_LABEL[s]}`,
      ...ks.map((k) => formatMetric(m.depth[s]![measure][k - 1])),
    ]),
  );
  return section(
    'depth',
    'How deep the good recommendations go',
    `precision@K and recall@K for K = 1 to ${model.precision.length}, from each test customer's list ranked once (${formatCount(model.users)} customers).`,
    figure('depth', svg.get('depth'), `Dashed line: the evaluation's K (${m.evalK}).`),
    table(
      ['', ...ks.map((k) => `K = ${k}`)],
      rows,
      ks.map((_, i) => i + 1),
    ),
  );
}

function diversitySection(m: ReportModel, svg: Map<string, string>) {
  const d = m.diversity;
  if (!d) return null;
  const coverage = m.metricRows.find((r) => r.name === 'coverage')?.values;
  return section(
    'diversity',
    'Diversity: best-sellers or the long tail?',
    `Where the top-${m.evalK} lists of the test customers go, with items ranked by popularity (distinct buyers in training). A model that only recommends best-sellers piles up at the left like the baseline.`,
    figure(
      'long-tail',
      svg.get('long-tail'),
      `Share of all top-${m.evalK} recommendations going to the items of each popularity-rank bin (bins double in width).`,
    ),
    table(
      ['', SOURCE_LABEL.model, SOURCE_LABEL.baseline],
      [
        [
          'item coverage (metrics file)',
          metricValue('coverage', coverage?.model),
          metricValue(METRIC_PREFIX.baseline + 'coverage', coverage?.baseline),
        ],
        ['distinct items recommended', formatCount(d.distinctItems.model), formatCount(d.distinctItems.baseline)],
        ['share going to the 10 % most popular items', formatPercent(d.headShare.model), formatPercent(d.headShare.baseline)],
      ],
      [1, 2],
    ),
  );
}

/** The whole HTML page. */
export function reportPage(m: ReportModel, svg: Map<string, string>, renderSeconds: number): string {
  const title = `Model report${m.input.jobName ? `: ${m.input.jobName}` : ''}`;
  return page(title, [
    header(m),
    metricsSection(m, svg),
    trainingSection(m, svg),
    depthSection(m, svg),
    diversitySection(m, svg),
    customersSection(m),
    dataSection(m, svg),
    runSection(m, renderSeconds),
    el(
      'footer',
      {},
      'Written by the training container at the end of the run. Self-contained: no script, font or image is loaded.',
    ),
  ]);
}
