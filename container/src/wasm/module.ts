/**
 * The container's one WebAssembly module (source: container/assembly/bpr.ts, embedded as base64 in
 * kernel.generated.ts): the SGD kernel that training runs and the scoring kernel that serving and
 * evaluation share. It imports one shared memory; callers lay their arrays out in it and pass byte offsets.
 */
import { KERNEL_WASM_BASE64 } from './kernel.generated';

/*
 * The container's TypeScript libs (ES2023 + node 20 types) do not declare WebAssembly, so the
 * little used here is typed locally instead of pulling in the DOM lib.
 */
/** A compiled module (opaque; structured-cloneable to worker threads). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
/** A shared WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
/** The module's exports; bpr.ts documents their arguments. */
export interface KernelExports {
  runSamples(...args: number[]): void;
  scoreItems(user: number, itemFactors: number, itemBias: number, nItems: number, factors: number, out: number): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE_BYTES = 65536;
/** 4 GiB: the most a 32-bit WebAssembly memory holds. */
const MAX_PAGES = 65536;

let compiled: WasmModule | null = null;
export function kernelModule(): WasmModule {
  return (compiled ??= new WA.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64')));
}

/** A shared memory of a fixed size: it never grows, so typed-array views over it stay valid. */
export function sharedMemory(pages: number): WasmMemory {
  return new WA.Memory({ initial: pages, maximum: pages, shared: true });
}

export function instantiate(memory: WasmMemory, module?: WasmModule): KernelExports {
  return new WA.Instance(module ?? kernelModule(), { env: { memory } }).exports as KernelExports;
}

export interface RegionLayout<R extends string> {
  /** Byte offset of each region. */
  readonly offsets: Record<R, number>;
  /** Pages the memory needs. */
  readonly pages: number;
}

/**
 * Lays regions (sizes in bytes) out back to back, 16-byte aligned, after the first page (the
 * AssemblyScript runtime's). Beyond 4 GiB it throws the caller's error, given the MiB needed.
 */
export function layoutRegions<R extends string>(sizes: Record<R, number>, tooLarge: (mib: number) => Error): RegionLayout<R> {
  let offset = PAGE_BYTES;
  const offsets = {} as Record<R, number>;
  for (const r of Object.keys(sizes) as R[]) {
    offsets[r] = offset;
    offset += Math.ceil(sizes[r] / 16) * 16;
  }
  const pages = Math.ceil(offset / PAGE_BYTES);
  if (pages > MAX_PAGES) throw tooLarge(Math.round(offset / 2 ** 20));
  return { offsets, pages };
}
