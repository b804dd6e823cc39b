/** The thread check: one thread takes an epoch over only when it measured faster, and the threads get it back. */
import { CHECK_EVERY, CHECK_MARGIN, CHECK_SAMPLES, ThreadCheck, type EpochTiming } from '../../container/src/train/thread-check';

const SAMPLES = 200_000;

/** Runs the check over `epochs` epochs whose speeds (samples/s) come from rates(epoch). */
function simulate(threads: number, epochs: number, rates: (epoch: number) => { alone: number; shared: number }) {
  const check = new ThreadCheck(threads);
  const plans: number[] = [];
  const notes: Array<[number, string]> = [];
  for (let e = 0; e < epochs; e++) {
    const alone = check.plan(e, SAMPLES);
    plans.push(alone);
    const r = rates(e);
    const timing: EpochTiming = {
      aloneSamples: alone,
      aloneSeconds: alone / r.alone,
      sharedSamples: SAMPLES - alone,
      sharedSeconds: (SAMPLES - alone) / r.shared,
    };
    const note = check.record(timing);
    if (note) notes.push([e, note]);
  }
  return { plans, notes, check };
}

describe('ThreadCheck', () => {
  it('keeps every thread when they are faster together, timing one thread alone on a slice every few epochs', () => {
    const { plans, notes, check } = simulate(2, 25, () => ({ alone: 3e6, shared: 5.6e6 }));
    expect(notes).toEqual([]);
    expect(check.activeThreads).toBe(2);
    expect(plans[0]).toBe(0);
    const checks = plans.flatMap((p, e) => (p > 0 ? [e] : []));
    expect(checks).toEqual([
      1,
      1 + CHECK_EVERY,
      1 + 2 * CHECK_EVERY,
      1 + 3 * CHECK_EVERY,
      1 + 4 * CHECK_EVERY,
      1 + 5 * CHECK_EVERY,
    ]);
    for (const e of checks) expect(plans[e]).toBe(CHECK_SAMPLES);
  });

  it('moves the epochs to one thread when two are slower together, and says so with both speeds', () => {
    const { plans, notes, check } = simulate(2, 12, () => ({ alone: 13.8e6, shared: 9.1e6 }));
    expect(notes).toHaveLength(1);
    expect(notes[0][0]).toBe(1);
    expect(notes[0][1]).toContain('one thread ran 13.80 M samples/s against 9.10 M samples/s for 2');
    // Whole epochs alone (S), and an epoch that tries both threads again (0) after 1, 2, then CHECK_EVERY of them.
    const S = SAMPLES;
    expect(CHECK_EVERY).toBe(4);
    expect(plans).toEqual([0, CHECK_SAMPLES, S, 0, S, S, 0, S, S, S, S, 0]);
    expect(check.activeThreads).toBe(1);
  });

  it('gives the epochs back to every thread once the host lets them scale again', () => {
    // Slow together for the first six epochs, fast afterwards (the host moved the cores).
    const { plans, notes, check } = simulate(2, 16, (e) =>
      e < 6 ? { alone: 3e6, shared: 2.2e6 } : { alone: 3e6, shared: 5.5e6 },
    );
    expect(notes.map(([e]) => e)).toEqual([1, 6]); // the tries at epochs 3 and 6
    expect(notes[1][1]).toContain('back to 2 threads');
    expect(check.activeThreads).toBe(2);
    expect(plans.slice(7, 10)).toEqual([0, 0, 0]); // shared from the start
    expect(plans[10]).toBe(CHECK_SAMPLES); // and checked as before
  });

  it('does not switch on a difference inside the margin', () => {
    const { notes } = simulate(2, 12, () => ({ alone: 3e6 * CHECK_MARGIN * 0.99, shared: 3e6 }));
    expect(notes).toEqual([]);
  });

  it('never runs a check with one thread, or on epochs too short to time', () => {
    expect(simulate(1, 10, () => ({ alone: 1e6, shared: 1e6 })).plans).toEqual(new Array(10).fill(0));
    const check = new ThreadCheck(2);
    for (let e = 0; e < 10; e++) expect(check.plan(e, 3000)).toBe(0);
  });
});
