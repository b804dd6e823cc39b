/**
 * Decides, epoch by epoch, whether the Hogwild threads share an epoch or one thread runs it alone.
 * Threads that write the same factor rows pay for moving cache lines between their cores; on
 * some hosts (the cores far apart, or a virtual machine's cores moved between places) that cost
 * makes two threads slower than one (0.7x measured, in spells of seconds to minutes, with both
 * cores fully busy). So the runner measures: every CHECK_EVERY epochs the main thread runs the
 * first samples of an epoch alone, timed, before the others join; if alone it was faster, the
 * next epochs run on one thread, and one epoch tries all threads again after 1, 2, then every
 * CHECK_EVERY epochs alone (a check of a short epoch can misjudge: the first retry comes soon).
 * Only the thread count changes, never the samples an epoch runs.
 */
import { SAMPLE_CHUNK } from './kernel';

/** Epochs between two checks. */
export const CHECK_EVERY = 4;
/** Samples the main thread runs alone in a check, at most a quarter of the epoch. */
export const CHECK_SAMPLES = 12 * SAMPLE_CHUNK;
/** One thread must be this much faster than all of them to take over, and all of them to take back. */
export const CHECK_MARGIN = 1.1;

/** How an epoch ran: samples and seconds with this thread alone, then with every thread. */
export interface EpochTiming {
  readonly aloneSamples: number;
  readonly aloneSeconds: number;
  readonly sharedSamples: number;
  readonly sharedSeconds: number;
}

export class ThreadCheck {
  private alone = false;
  /** Samples/s of the last epoch (or check) that one thread ran alone. */
  private aloneRate = 0;
  private epochsSinceCheck = 0;
  /** Epochs to run alone before the next try of all threads. */
  private aloneSpell = 1;

  /** @param threads the runner's threads; with one there is nothing to decide. */
  constructor(private readonly threads: number) {}

  /** Threads the epochs run on now. */
  get activeThreads(): number {
    return this.alone ? 1 : this.threads;
  }

  /**
   * Samples the main thread runs alone at the start of the next epoch (of `samples`): 0 (every
   * thread from the start), a check's share, or every sample.
   */
  plan(epoch: number, samples: number): number {
    if (this.threads < 2 || epoch === 0) return 0; // the first epoch warms up: its speed says little
    if (this.alone) return this.epochsSinceCheck >= this.aloneSpell ? 0 : samples;
    if (this.epochsSinceCheck + 1 < CHECK_EVERY && epoch !== 1) return 0;
    const share = Math.min(CHECK_SAMPLES, Math.floor(samples / 4));
    return share >= SAMPLE_CHUNK ? share : 0; // too short to time
  }

  /** Takes the epoch's timing; returns a sentence for the log when the thread count changes. */
  record(t: EpochTiming): string | null {
    if (this.threads < 2) return null;
    const aloneRate = t.aloneSeconds > 0 ? t.aloneSamples / t.aloneSeconds : 0;
    const sharedRate = t.sharedSeconds > 0 ? t.sharedSamples / t.sharedSeconds : 0;
    const mps = (r: number) => `${(r / 1e6).toFixed(2)} M samples/s`;
    if (this.alone) {
      if (aloneRate > 0 && t.sharedSamples === 0) {
        this.aloneRate = aloneRate;
        this.epochsSinceCheck++;
        return null;
      }
      this.epochsSinceCheck = 0;
      if (sharedRate <= this.aloneRate * CHECK_MARGIN) {
        this.aloneSpell = Math.min(2 * this.aloneSpell, CHECK_EVERY);
        return null;
      }
      this.alone = false;
      return `threads: ${this.threads} threads ran ${mps(sharedRate)} against ${mps(this.aloneRate)} for one: back to ${this.threads} threads`;
    }
    if (aloneRate === 0) {
      this.epochsSinceCheck++;
      return null;
    }
    this.epochsSinceCheck = 0;
    if (aloneRate <= sharedRate * CHECK_MARGIN) return null;
    this.alone = true;
    this.aloneRate = aloneRate;
    this.aloneSpell = 1;
    return (
      `threads: one thread ran ${mps(aloneRate)} against ${mps(sharedRate)} for ${this.threads} (their shared rows cost more ` +
      `than the extra cores give on this host): the next epochs run on one thread, ${this.threads} are tried again after 1, 2, then every ${CHECK_EVERY} epochs`
    );
  }
}
