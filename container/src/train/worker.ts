/**
 * Worker thread of Hogwild SGD: instantiates the kernel over the shared memory it was given
 * and runs its share of each epoch, posting the statistics back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from '../wasm/module';
import { Kernel, KernelMemory, type EpochParams, type KernelLayout } from './kernel';

export interface WorkerInit {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly layout: KernelLayout;
  readonly thread: number;
}

if (parentPort) {
  const init = workerData as WorkerInit;
  const kernel = new Kernel(new KernelMemory(init.layout, init.memory), init.thread, init.module);
  const port = parentPort;
  port.on('message', (params: EpochParams) => {
    port.postMessage(kernel.runSamples(params));
  });
}
