/** Worker thread of the test evaluation: takes its part of the users (see test-evaluation.ts) and posts its sums. */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateShare, type EvaluationShare } from './test-evaluation';

if (parentPort) parentPort.postMessage(evaluateShare(workerData as EvaluationShare));
