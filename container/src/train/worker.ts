/**
 * Worker thread of Hogwild SGD: instantiates the kernel over the shared memory it was given and
 * takes its part of each epoch and of each validation check, answering when done (the epoch's
 * statistics stay in its slot of the shared memory).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from '../wasm/module';
import type { RankingSums } from './evaluation';
import { Kernel, KernelMemory, type EpochParams, type KernelLayout } from './kernel';
import { validateShare, type ValidationSet } from './sgd';

export interface WorkerInit {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly layout: KernelLayout;
  readonly thread: number;
  readonly validation: ValidationSet | null;
}

export type ThreadRequest = { readonly kind: 'epoch'; readonly params: EpochParams } | { readonly kind: 'validate' };
export type ThreadReply = { readonly kind: 'done' } | { readonly kind: 'sums'; readonly sums: RankingSums };

if (parentPort) {
  const init = workerData as WorkerInit;
  const kernel = new Kernel(new KernelMemory(init.layout, init.memory), init.thread, init.module);
  const port = parentPort;
  port.on('message', (request: ThreadRequest) => {
    let reply: ThreadReply;
    if (request.kind === 'epoch') {
      kernel.runShare(request.params);
      reply = { kind: 'done' };
    } else reply = { kind: 'sums', sums: validateShare(kernel, init.validation!) };
    port.postMessage(reply);
  });
}
