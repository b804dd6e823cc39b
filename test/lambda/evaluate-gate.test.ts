/** The deployment gate: by name, threshold, baseline, the live model and its tolerance, missing metrics, bad input. */
import { decide, metricsByName, parseShare, type GateRule } from '../../lambda/evaluate-gate/decide';
import { GateInputError } from '../../lambda/evaluate-gate/errors';
import { handler } from '../../lambda/evaluate-gate';
import type { GateEvent } from '../../lib/contracts';

const list = (p?: number, b?: number, c?: number) => [
  ...(b === undefined ? [] : [{ MetricName: 'baseline_precision@10', Value: b }]),
  { MetricName: 'recall@10', Value: 0.9 },
  ...(p === undefined ? [] : [{ MetricName: 'precision@10', Value: p }]),
  ...(c === undefined ? [] : [{ MetricName: 'champion_precision@10', Value: c }]),
];
const RULE: GateRule = {
  threshold: 0.1,
  metricName: 'precision@10',
  baselineMetricName: 'baseline_precision@10',
  championMetricName: 'champion_precision@10',
  championVersion: null,
  championTolerance: 0.02,
};
const decideAt = (p?: number, b?: number, t = 0.1) => decide(list(p, b), { ...RULE, threshold: t });
/** With version 4 live, measured at c. */
const againstLive = (p: number, c: number | undefined, tolerance = 0.02) =>
  decide(list(p, 0.05, c), { ...RULE, championVersion: 4, championTolerance: tolerance });

test('a first run passes when the metric reaches the threshold and beats the baseline, whatever the order', () => {
  expect(decideAt(0.1, 0.05)).toMatchObject({
    passed: true,
    value: 0.1,
    baselineValue: 0.05,
    threshold: 0.1,
    championValue: null,
    championVersion: null,
    reason: 'precision@10 0.1 reaches the threshold 0.1 and beats the baseline 0.05; no model is live yet',
  });
  expect(decide([...list(0.2, 0.05)].reverse(), RULE).passed).toBe(true);
  // A champion metric without a live model (a stray line) is not a comparison.
  expect(decide(list(0.2, 0.05, 0.9), RULE)).toMatchObject({ passed: true, championValue: null });
});

test('a missing metric fails the gate: a rejection naming the metric, carrying every measured value', () => {
  expect(
    decide(
      [
        { MetricName: 'baseline_precision@10', Value: 0.02 },
        { MetricName: 'recall@10', Value: 0.3 },
      ],
      { ...RULE, threshold: 0.05 },
    ),
  ).toEqual({
    passed: false,
    reason: "metric precision@10 is missing from the training job's final metrics",
    metricName: 'precision@10',
    value: null,
    baselineMetricName: 'baseline_precision@10',
    baselineValue: 0.02,
    threshold: 0.05,
    championMetricName: 'champion_precision@10',
    championValue: null,
    championVersion: null,
    championTolerance: 0.02,
    metrics: { 'baseline_precision@10': 0.02, 'recall@10': 0.3 },
  });
});

test('rejects below the threshold, at or below the baseline, and when a metric is missing or NaN', () => {
  expect(decideAt(0.09, 0.01)).toMatchObject({ passed: false, reason: 'precision@10 0.09 is below the threshold 0.1' });
  expect(decideAt(0.2, 0.2)).toMatchObject({
    passed: false,
    reason: expect.stringContaining('does not beat the popularity baseline 0.2'),
  });
  expect(decideAt(undefined, 0.01)).toMatchObject({
    passed: false,
    value: null,
    reason: expect.stringContaining('precision@10 is missing'),
  });
  expect(decideAt(0.5, undefined)).toMatchObject({
    passed: false,
    baselineValue: null,
    reason: expect.stringContaining('baseline_precision@10 is missing'),
  });
  expect(decideAt(NaN, 0.01)).toMatchObject({ passed: false, value: null });
  expect(decide(undefined, RULE).passed).toBe(false);
});

test('with a live model: passes when no worse than it by more than the tolerance, relative; rejects beyond it', () => {
  expect(againstLive(0.3, 0.25)).toMatchObject({
    passed: true,
    championValue: 0.25,
    championVersion: 4,
    reason:
      "precision@10 0.3 reaches the threshold 0.1 and beats the baseline 0.05, and is within 2% of the live model (version 4)'s 0.25 or better",
  });
  // 2% of 0.25 is 0.005: 0.245 is at the edge, 0.2449 beyond it.
  expect(againstLive(0.245, 0.25).passed).toBe(true);
  expect(againstLive(0.2449, 0.25)).toMatchObject({
    passed: false,
    value: 0.2449,
    baselineValue: 0.05,
    championValue: 0.25,
    reason: "precision@10 0.2449 is worse than the live model (version 4)'s 0.25 by 2.04%, more than the tolerance of 2%",
  });
  expect(againstLive(0.2, 0.25, 0).passed).toBe(false);
  expect(againstLive(0.2, 0.25, 0.2).passed).toBe(true);
  // The threshold and the baseline still come first.
  expect(decide(list(0.08, 0.05, 0.01), { ...RULE, championVersion: 4 })).toMatchObject({
    passed: false,
    reason: 'precision@10 0.08 is below the threshold 0.1',
  });
});

test('a live model that could not be measured rejects the new one with the reason: the comparison cannot be made', () => {
  expect(againstLive(0.9, undefined)).toMatchObject({
    passed: false,
    championValue: null,
    championVersion: 4,
    reason:
      "metric champion_precision@10 is missing from the training job's final metrics: the live model (version 4) could not be measured on the same test pairs",
  });
  expect(againstLive(0.9, NaN).passed).toBe(false);
});

test('the last value of a repeated metric wins; junk entries are ignored', () => {
  expect(
    metricsByName([{ MetricName: 'a', Value: 1 }, { MetricName: 'a', Value: 2 }, { Value: 3 }, { MetricName: 'b' }]),
  ).toEqual({ a: 2 });
});

test('threshold and tolerance: numbers and numeric strings in [0, 1]; anything else is an input error naming the field', () => {
  expect(parseShare(0.3, 'threshold')).toBe(0.3);
  expect(parseShare('0.3', 'championTolerance')).toBe(0.3);
  for (const bad of ['x', '', 1.5, -1, null, undefined, {}, '0x1', '0b1', true, [0.5]])
    expect(() => parseShare(bad, 'threshold')).toThrow(GateInputError);
  expect(() => parseShare(2, 'championTolerance')).toThrow('championTolerance must be a number between 0 and 1, got 2');
});

const event = (over: Partial<GateEvent> = {}): GateEvent => ({
  training: { FinalMetricDataList: list(0.3, 0.1, 0.2) },
  threshold: '0.2',
  metricName: 'precision@10',
  baselineMetricName: 'baseline_precision@10',
  championMetricName: 'champion_precision@10',
  champion: null,
  championTolerance: 0.02,
  ...over,
});

test('handler reads FinalMetricDataList from the training job description and the live model from the event', async () => {
  expect(await handler(event())).toMatchObject({
    passed: true,
    threshold: 0.2,
    championValue: null,
    metrics: { 'recall@10': 0.9 },
  });
  const live = {
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:1:model-package/bpr-models/3',
    modelPackageVersion: 3,
    modelDataUrl: 's3://b/k',
  };
  expect(await handler(event({ champion: live }))).toMatchObject({ passed: true, championValue: 0.2, championVersion: 3 });
  expect(await handler(event({ champion: live, championTolerance: '0' }))).toMatchObject({ passed: true });
  // events the state machine never sends, as a direct invocation might
  await expect(handler({ threshold: 0.2 } as unknown as GateEvent)).rejects.toThrow(GateInputError);
  await expect(handler(event({ championTolerance: 'x' }))).rejects.toThrow('championTolerance must be a number');
  await expect(handler(event({ champion: { ...live, modelPackageVersion: 0 } }))).rejects.toThrow('positive integer');
  // what Step Functions receives as the Cause: name and message, no stack trace
  const bad = await handler(event({ threshold: 'x' })).catch((e: Error) => e);
  expect(bad).toMatchObject({
    name: 'GateInputError',
    stack: 'GateInputError: threshold must be a number between 0 and 1, got "x"',
  });
  await expect(handler(event({ training: { FinalMetricDataList: 'x' } } as unknown as Partial<GateEvent>))).rejects.toThrow(
    /must be an array/,
  );
});
