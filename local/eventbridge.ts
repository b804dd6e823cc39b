/**
 * EventBridge for the rules the templates create: an event that matches a rule's pattern (exact
 * values, as the rules here use: `{ "detail": { "ModelApprovalStatus": ["Approved"] } }`) is
 * delivered to the rule's targets, its input built as EventBridge builds it: the target's Input,
 * its InputPath, or its InputTransformer (InputPathsMap values put into the InputTemplate; a
 * string value placed outside quotes is written as a JSON string):
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
import { UnsupportedExpressionError } from './errors';

/** A target of a rule, as the template gives it (resolved). */
export interface LocalRuleTarget {
  readonly Arn: string;
  readonly Id?: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
}

/** A rule of the synthesized app. */
export interface LocalRule {
  /** Its logical id. */
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly targets: LocalRuleTarget[];
}

type Event = Record<string, unknown>;

/** Whether `event` has every value the pattern lists. */
export function matches(pattern: Record<string, unknown>, event: unknown): boolean {
  return Object.entries(pattern).every(([key, wanted]) => {
    const value = event && typeof event === 'object' ? (event as Event)[key] : undefined;
    if (Array.isArray(wanted)) {
      if (wanted.some((w) => w !== null && typeof w === 'object'))
        throw new UnsupportedExpressionError(
          `event pattern ${JSON.stringify(wanted)} (content filters) is not supported locally`,
        );
      return wanted.includes(value as never);
    }
    return wanted !== null && typeof wanted === 'object' && matches(wanted as Record<string, unknown>, value);
  });
}

/** `$.a.b` of the event. */
function at(event: Event, path: string): unknown {
  if (path === '$') return event;
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Event)[k] : undefined), event);
}

/** The input a target receives for `event`. */
export function targetInput(target: LocalRuleTarget, event: Event): unknown {
  if (target.Input !== undefined) return JSON.parse(target.Input) as unknown;
  if (target.InputPath !== undefined) return at(event, target.InputPath);
  const t = target.InputTransformer;
  if (!t) return event;
  const values = Object.fromEntries(Object.entries(t.InputPathsMap ?? {}).map(([k, p]) => [k, at(event, p)]));
  const text = t.InputTemplate.replace(/("?)<([\w.-]+)>("?)/g, (whole, open: string, key: string, close: string) => {
    if (!(key in values)) return whole;
    const v = values[key];
    return open && close ? JSON.stringify(String(v ?? '')) : `${open}${JSON.stringify(v ?? null)}${close}`;
  });
  return JSON.parse(text) as unknown;
}

/** The rules, and what to do with a target's ARN and input. */
export class LocalEventBridge {
  /** Every delivery so far: its rule, target and what the target did with it. */
  readonly deliveries: { rule: string; target: string; input: unknown; result: Promise<unknown> }[] = [];

  constructor(
    private readonly rules: readonly LocalRule[],
    private readonly deliver: (targetArn: string, input: unknown) => Promise<unknown>,
  ) {}

  /** PutEvents of one event: each matching rule's targets get it (delivered in the background). */
  put(event: Event): void {
    for (const rule of this.rules) {
      if (!matches(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const input = targetInput(target, event);
        this.deliveries.push({ rule: rule.name, target: target.Arn, input, result: this.deliver(target.Arn, input) });
      }
    }
  }

  /** Waits for every delivery so far to finish; returns their results. */
  async settled(): Promise<unknown[]> {
    return Promise.all(this.deliveries.map((d) => d.result));
  }
}
