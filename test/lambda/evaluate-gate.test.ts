/** The deployment gate: by name, threshold, baseline, missing metrics, bad input. */
import { decide, metricsByName, parseThreshold } from '../../lambda/evaluate-gate/decide';
import { GateInputError } from '../../lambda/evaluate-gate/errors';
import { handler } from '../../lambda/evaluate-gate';
import type { GateEvent } from '../../lib/contracts';

const list = (p?: number, b?: number) => [
  ...(b === undefined ? [] : [{ MetricName: 'baseline_precision@10', Value: b }]),
  { MetricName: 'recall@10', Value: 0.9 },
  ...(p === undefined ? [] : [{ MetricName: 'precision@10', Value: p }]),
];
const decideAt = (p?: number, b?: number, t = 0.1) => decide(list(p, b), t, 'precision@10', 'baseline_precision@10');

test('passes when the metric reaches the threshold and beats the baseline, whatever the order', () => {
  expect(decideAt(0.1, 0.05)).toMatchObject({ passed: true, value: 0.1, baselineValue: 0.05, threshold: 0.1 });
  expect(decide([...list(0.2, 0.05)].reverse(), 0.1, 'precision@10', 'baseline_precision@10').passed).toBe(true);
});

test('a missing metric fails the gate: a rejection naming the metric, carrying every measured value', () => {
  expect(
    decide(
      [
        { MetricName: 'baseline_precision@10', Value: 0.02 },
        { MetricName: 'recall@10', Value: 0.3 },
      ],
      0.05,
      'precision@10',
      'baseline_precision@10',
    ),
  ).toEqual({
    passed: false,
    reason: "metric precision@10 is missing from the training job's final metrics",
    metricName: 'precision@10',
    value: null,
    baselineMetricName: 'baseline_precision@10',
    baselineValue: 0.02,
    threshold: 0.05,
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
  expect(decide(undefined, 0.1, 'precision@10', 'baseline_precision@10').passed).toBe(false);
});

test('the last value of a repeated metric wins; junk entries are ignored', () => {
  expect(
    metricsByName([{ MetricName: 'a', Value: 1 }, { MetricName: 'a', Value: 2 }, { Value: 3 }, { MetricName: 'b' }]),
  ).toEqual({ a: 2 });
});

test('threshold: numbers and numeric strings in [0, 1]; anything else is an input error', () => {
  expect(parseThreshold(0.3)).toBe(0.3);
  expect(parseThreshold('0.3')).toBe(0.3);
  for (const bad of ['x', '', 1.5, -1, null, undefined, {}, '0x1', '0b1', true, [0.5]])
    expect(() => parseThreshold(bad)).toThrow(GateInputError);
});

test('handler reads FinalMetricDataList from the training job description', async () => {
  const out = await handler({
    training: { FinalMetricDataList: list(0.3, 0.1) },
    threshold: '0.2',
    metricName: 'precision@10',
    baselineMetricName: 'baseline_precision@10',
  });
  expect(out).toMatchObject({ passed: true, threshold: 0.2, metrics: { 'recall@10': 0.9 } });
  // events the state machine never sends, as a direct invocation might
  await expect(handler({ threshold: 0.2 } as unknown as GateEvent)).rejects.toThrow(GateInputError);
  // what Step Functions receives as the Cause: name and message, no stack trace
  const bad = await handler({ threshold: 'x', metricName: 'a', baselineMetricName: 'b' }).catch((e: Error) => e);
  expect(bad).toMatchObject({
    name: 'GateInputError',
    stack: 'GateInputError: threshold must be a number between 0 and 1, got "x"',
  });
  await expect(
    handler({
      training: { FinalMetricDataList: 'x' },
      threshold: 0.2,
      metricName: 'a',
      baselineMetricName: 'b',
    } as unknown as GateEvent),
  ).rejects.toThrow(/must be an array/);
});
