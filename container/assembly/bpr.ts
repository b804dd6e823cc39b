// AssemblyScript source of the container's one WebAssembly module (128-bit SIMD): the BPR SGD
// kernel (runSamples, sgd.ts, with adagrad.ts) and the ranking scores (scoreItems, score.ts) that
// serving and evaluation share. Compiled by `node container/assembly/build.mjs` into
// container/src/wasm/kernel.generated.ts (base64), so that the container builds with tsc alone.
// This entry file's exports are the module's exports. All pointers are byte offsets into the
// shared memory the module imports. Small helpers are inlined by asc at -O3 (an @inline decorator
// gives the same bytes).
export { runSamples } from './sgd';
export { scoreItems } from './score';
