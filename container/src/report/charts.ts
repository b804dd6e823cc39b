/**
 * The report's charts as Vega-Lite specifications with their data inline (pure functions; render.ts
 * turns them into SVG). Each chart has an id the page and its tests find it by.
 */
import type { TopLevelSpec } from 'vega-lite/build/index';

export interface Chart {
  readonly id: string;
  readonly spec: TopLevelSpec;
}

/** The series a chart compares; the colours are the same in every chart. */
export const SOURCES = { model: '#1f6feb', baseline: '#8c959f', champion: '#d4700b' } as const;
export type Source = keyof typeof SOURCES;
const MARKER = '#cf222e';
const WIDTH = 620;

const config = {
  font: 'sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#eaeef2' },
  legend: { orient: 'top', title: null, labelFontSize: 11 },
} as const;

function sourceColor(sources: readonly Source[]) {
  return { field: 'source', type: 'nominal', scale: { domain: [...sources], range: sources.map((s) => SOURCES[s]) } } as const;
}

/** A vertical dashed rule at x = value on a quantitative x field, with a label. */
function ruleAt(field: string, value: number, label: string) {
  return [
    {
      data: { values: [{ [field]: value }] },
      mark: { type: 'rule', color: MARKER, strokeDash: [4, 3] },
      encoding: { x: { field, type: 'quantitative' } },
    },
    {
      data: { values: [{ [field]: value, label }] },
      // above the plot, where no data is drawn
      mark: { type: 'text', color: MARKER, align: 'center', baseline: 'bottom', y: -3, fontSize: 10 },
      encoding: { x: { field, type: 'quantitative' }, text: { field: 'label' } },
    },
  ] as const;
}

export interface EpochPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly validation: number | null;
  readonly learningRate: number;
}

/** Train loss, validation metric and learning rate per epoch, the kept epoch marked in each panel. */
export function trainingCurve(points: readonly EpochPoint[], keptEpoch: number, validationTitle: string): Chart {
  const epochs = Math.max(1, ...points.map((p) => p.epoch));
  const x = {
    field: 'epoch',
    type: 'quantitative',
    scale: { domain: [1, epochs], nice: false },
    axis: { tickMinStep: 1 },
  } as const;
  const panel = (field: string, title: string, color: string, points: boolean, format = '') => ({
    width: WIDTH,
    height: 110,
    layer: [
      {
        transform: [{ filter: `isValid(datum.${field}) && isFinite(datum.${field})` }],
        mark: { type: 'line', color, point: points ? { color, size: 30 } : false },
        encoding: {
          x,
          y: { field, type: 'quantitative', title, scale: { zero: false }, ...(format ? { axis: { format } } : {}) },
        },
      },
      ...ruleAt('epoch', keptEpoch, `kept epoch ${keptEpoch}`),
    ],
  });
  const hasValidation = points.some((p) => p.validation !== null);
  return {
    id: 'training-curve',
    spec: {
      config,
      data: { values: points.map((p) => ({ ...p })) },
      vconcat: [
        panel('loss', 'train loss', SOURCES.model, false),
        ...(hasValidation ? [panel('validation', validationTitle, SOURCES.model, true)] : []),
        panel('learningRate', 'learning rate', SOURCES.baseline, false, '.2~g'),
      ],
    } as TopLevelSpec,
  };
}

export interface SourceValue {
  readonly source: Source;
  readonly value: number;
}

/** The gate metric of each model, with the gate's threshold when known. */
export function gateChart(values: readonly SourceValue[], metric: string, threshold: number | null): Chart {
  const sources = values.map((v) => v.source);
  const layers: object[] = [
    {
      mark: { type: 'bar', height: 18 },
      encoding: {
        y: { field: 'source', type: 'nominal', sort: sources, title: null },
        x: { field: 'value', type: 'quantitative', title: metric, scale: { domainMin: 0 } },
        color: { ...sourceColor(sources), legend: null },
      },
    },
    {
      mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
      encoding: {
        y: { field: 'source', type: 'nominal', sort: sources },
        x: { field: 'value', type: 'quantitative' },
        text: { field: 'value', type: 'quantitative', format: '.4f' },
      },
    },
  ];
  if (threshold !== null) {
    layers.push({
      data: { values: [{ value: threshold, label: `threshold ${threshold}` }] },
      mark: { type: 'rule', color: MARKER, strokeDash: [4, 3], strokeWidth: 2 },
      encoding: { x: { field: 'value', type: 'quantitative' } },
    });
  }
  return {
    id: 'gate',
    spec: {
      config,
      width: 380,
      height: { step: 28 },
      data: { values: values.map((v) => ({ ...v })) },
      layer: layers,
    } as TopLevelSpec,
  };
}

export interface MetricValue extends SourceValue {
  readonly metric: string;
}

/** Every headline metric, grouped by metric, one bar per model. */
export function metricsChart(values: readonly MetricValue[], metricOrder: readonly string[], sources: readonly Source[]): Chart {
  return {
    id: 'metrics',
    spec: {
      config,
      width: WIDTH,
      height: 200,
      data: { values: values.map((v) => ({ ...v })) },
      mark: 'bar',
      encoding: {
        x: { field: 'metric', type: 'nominal', sort: [...metricOrder], title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'source', type: 'nominal', sort: [...sources] },
        y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
        color: sourceColor(sources),
      },
    } as TopLevelSpec,
  };
}

export interface DepthPoint {
  readonly k: number;
  readonly source: Source;
  readonly measure: string;
  readonly value: number;
}

/** precision@K and recall@K against K, side by side, the evaluation's K marked. */
export function depthChart(points: readonly DepthPoint[], evalK: number, sources: readonly Source[]): Chart {
  const measures = [...new Set(points.map((p) => p.measure))];
  const panel = (measure: string) => ({
    width: 300,
    height: 200,
    transform: [{ filter: { field: 'measure', equal: measure } }],
    layer: [
      {
        mark: { type: 'line', point: { size: 20 } },
        encoding: {
          x: { field: 'k', type: 'quantitative', title: 'K', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: measure },
          color: sourceColor(sources),
        },
      },
      ...ruleAt('k', evalK, `K = ${evalK}`),
    ],
  });
  return {
    id: 'depth',
    spec: { config, data: { values: points.map((p) => ({ ...p })) }, hconcat: measures.map(panel) } as TopLevelSpec,
  };
}

export interface LongTailPoint {
  /** The bin's popularity ranks, as shown (`1`, `2–3`, ...). */
  readonly ranks: string;
  readonly source: Source;
  readonly share: number;
}

/** Share of the recommendations per bin of items ranked by popularity (rank 1 = the most popular). */
export function longTailChart(points: readonly LongTailPoint[], sources: readonly Source[]): Chart {
  const bins = [...new Set(points.map((p) => p.ranks))];
  return {
    id: 'long-tail',
    spec: {
      config,
      width: WIDTH,
      height: 200,
      data: { values: points.map((p) => ({ ...p })) },
      mark: 'bar',
      encoding: {
        x: {
          field: 'ranks',
          type: 'ordinal',
          sort: bins,
          title: 'items by popularity rank (1 = bought by the most customers)',
          axis: { labelAngle: -30 },
        },
        xOffset: { field: 'source', type: 'nominal', sort: [...sources] },
        y: { field: 'share', type: 'quantitative', title: 'share of recommendations', axis: { format: '.0%' } },
        color: sourceColor(sources),
      },
    } as TopLevelSpec,
  };
}

export interface LabelledCount {
  readonly label: string;
  readonly count: number;
}

/** Horizontal bars of counts by label, in the given order, each with its count. */
export function countBars(id: string, rows: readonly LabelledCount[], title: string): Chart {
  // Without a canvas Vega estimates text widths (generously): a high limit keeps labels whole.
  const y = { field: 'label', type: 'nominal', sort: rows.map((r) => r.label), title: null, axis: { labelLimit: 400 } } as const;
  const x = { field: 'count', type: 'quantitative', title } as const;
  return {
    id,
    spec: {
      config,
      width: 220,
      height: { step: 20 },
      data: { values: rows.map((r) => ({ ...r })) },
      layer: [
        { mark: { type: 'bar', color: SOURCES.model }, encoding: { x, y } },
        {
          mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
          encoding: { x, y, text: { field: 'count', type: 'quantitative', format: ',' } },
        },
      ],
    } as TopLevelSpec,
  };
}
