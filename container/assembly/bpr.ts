// AssemblyScript source of the container's one WebAssembly module (128-bit SIMD): the BPR SGD
// kernel (runSamples) and the ranking scores (scoreItems) that serving and evaluation share.
// Compiled by `node container/assembly/build.mjs` into container/src/wasm/kernel.generated.ts
// (base64), so that the container builds with tsc alone. The SGD is the algorithm described in
// container/src/train/kernel.ts: a positive pair uniform over all pairs, the highest-scored of
// `nNeg` candidates as negative (verified against the user's items), one SGD step of
// ln sigmoid(x_uij) with L2, item bias. Candidates are uniform over items, or (popNeg != 0) the
// item of a uniformly drawn training pair, i.e. in proportion to item popularity, as implicit
// samples. All pointers are byte offsets into the shared memory. Small helpers are inlined by
// asc at -O3 (an @inline decorator gives the same bytes).

const INV8: i32 = 7;

function nextRand(st: usize): u32 {
  const s0 = load<u32>(st),
    s1 = load<u32>(st, 4),
    s2 = load<u32>(st, 8),
    s3 = load<u32>(st, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  store<u32>(st, s0 ^ n3);
  store<u32>(st, s1 ^ n2, 4);
  store<u32>(st, n2 ^ t, 8);
  store<u32>(st, rotl<u32>(n3, 11), 12);
  return result;
}

function below(r: u32, n: i32): i32 {
  return <i32>((<u64>r * <u64>n) >> 32);
}

function hasItem(bits: usize, indptr: usize, indices: usize, u: i32, nItems: i32, k: i32): bool {
  if (bits != 0) {
    const b = <u64>u * <u64>nItems + <u64>k;
    return (load<u32>(bits + <usize>((b >> 5) << 2)) & ((<u32>1) << u32(b & 31))) != 0;
  }
  let lo = load<i32>(indptr + ((<usize>u) << 2));
  let hi = load<i32>(indptr + (usize(u + 1) << 2)) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = load<i32>(indices + ((<usize>mid) << 2));
    if (v == k) return true;
    if (v < k) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

// The SGD's candidate scores keep this one-accumulator sum: another order of additions would change
// which candidate wins a near tie, and so the model every seeded training run produces.
function dot(a: usize, b: usize, F: i32): f32 {
  let acc = f32x4.splat(0);
  const F4 = F & ~3;
  let f = 0;
  for (; f < F4; f += 4) {
    const o = (<usize>f) << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; f < F; f++) s += load<f32>(a + ((<usize>f) << 2)) * load<f32>(b + ((<usize>f) << 2));
  return s;
}

/**
 * Runs `samples` SGD steps. rng: 4 u32 of xoshiro128** state, advanced in place.
 * stats: 4 f64 written back: loss sum over every 8th used sample, correct, used, skipped.
 */
export function runSamples(
  U: usize,
  I: usize,
  B: usize,
  indptr: usize,
  indices: usize,
  pairUsers: usize,
  nPairs: i32,
  bits: usize,
  F: i32,
  nItems: i32,
  lr: f32,
  reg: f32,
  regB: f32,
  nNeg: i32,
  verify: i32,
  popNeg: i32,
  samples: i32,
  rng: usize,
  stats: usize,
): void {
  const F4 = F & ~3;
  const rowBytes = (<usize>F) << 2;
  const lrv = f32x4.splat(lr);
  const regv = f32x4.splat(reg);
  let lossSum: f64 = 0;
  let correct: i32 = 0,
    used: i32 = 0,
    skipped: i32 = 0;
  if (nNeg < 1) nNeg = 1;

  for (let n = 0; n < samples; n++) {
    const pair = below(nextRand(rng), nPairs);
    const u = load<i32>(pairUsers + ((<usize>pair) << 2));
    const i = load<i32>(indices + ((<usize>pair) << 2));
    const uo = U + <usize>u * rowBytes;

    let j = -1;
    let best: f32 = -Infinity;
    for (let c = 0; c < nNeg; c++) {
      let cand = -1;
      for (let attempt = 0; attempt <= 8; attempt++) {
        const k = popNeg != 0 ? load<i32>(indices + ((<usize>below(nextRand(rng), nPairs)) << 2)) : below(nextRand(rng), nItems);
        if (verify == 0 || !hasItem(bits, indptr, indices, u, nItems, k)) {
          cand = k;
          break;
        }
      }
      if (cand < 0) continue;
      if (nNeg == 1) {
        j = cand;
        break;
      }
      const s = load<f32>(B + ((<usize>cand) << 2)) + dot(uo, I + <usize>cand * rowBytes, F);
      if (s > best) {
        best = s;
        j = cand;
      }
    }
    if (j < 0) {
      skipped++;
      continue;
    }

    const io = I + <usize>i * rowBytes;
    const jo = I + <usize>j * rowBytes;
    const bi = B + ((<usize>i) << 2);
    const bj = B + ((<usize>j) << 2);
    let acc = f32x4.splat(0);
    let f = 0;
    for (; f < F4; f += 4) {
      const o = (<usize>f) << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(uo + o), f32x4.sub(v128.load(io + o), v128.load(jo + o))));
    }
    let x: f32 =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; f < F; f++) {
      const o = (<usize>f) << 2;
      x += load<f32>(uo + o) * (load<f32>(io + o) - load<f32>(jo + o));
    }
    x += load<f32>(bi) - load<f32>(bj);
    const xc: f32 = x > 35 ? 35 : x < -35 ? -35 : x;
    const e: f32 = Mathf.exp(xc);
    const z: f32 = 1 / (1 + e);
    if ((used & INV8) == 0) lossSum += Math.log1p(1 / <f64>e);
    if (x > 0) correct++;
    used++;

    store<f32>(bi, load<f32>(bi) + lr * (z - regB * load<f32>(bi)));
    store<f32>(bj, load<f32>(bj) + lr * (-z - regB * load<f32>(bj)));
    const zv = f32x4.splat(z);
    f = 0;
    for (; f < F4; f += 4) {
      const o = (<usize>f) << 2;
      const uf = v128.load(uo + o);
      const inf = v128.load(io + o);
      const jf = v128.load(jo + o);
      const zu = f32x4.mul(zv, uf);
      v128.store(uo + o, f32x4.add(uf, f32x4.mul(lrv, f32x4.sub(f32x4.mul(zv, f32x4.sub(inf, jf)), f32x4.mul(regv, uf)))));
      v128.store(io + o, f32x4.add(inf, f32x4.mul(lrv, f32x4.sub(zu, f32x4.mul(regv, inf)))));
      v128.store(jo + o, f32x4.sub(jf, f32x4.mul(lrv, f32x4.add(zu, f32x4.mul(regv, jf)))));
    }
    for (; f < F; f++) {
      const o = (<usize>f) << 2;
      const uf = load<f32>(uo + o),
        inf = load<f32>(io + o),
        jf = load<f32>(jo + o);
      store<f32>(uo + o, uf + lr * (z * (inf - jf) - reg * uf));
      store<f32>(io + o, inf + lr * (z * uf - reg * inf));
      store<f32>(jo + o, jf + lr * (-z * uf - reg * jf));
    }
  }
  store<f64>(stats, lossSum);
  store<f64>(stats, <f64>correct, 8);
  store<f64>(stats, <f64>used, 16);
  store<f64>(stats, <f64>skipped, 24);
}

/**
 * Ranking scores: out[i] = bias[i] + dot(user, item row i) for every item, the one scoring code of
 * serving and evaluation. Four accumulators over blocks of 16 floats keep four independent add
 * chains in flight (about 1.4x the one-accumulator dot above at 64 factors); the last partial
 * block adds as if the rows were zero-padded to 16 floats, so the order of additions depends only
 * on the factor count. The do-while over whole blocks keeps one branch per block.
 */
export function scoreItems(user: usize, I: usize, B: usize, nItems: i32, F: i32, out: usize): void {
  const blockBytes = (<usize>(F & ~15)) << 2;
  const rest = F & 15;
  let row = I;
  for (let i = 0; i < nItems; i++) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let u = user;
    const end = row + blockBytes;
    if (row < end) {
      do {
        a0 = f32x4.add(a0, f32x4.mul(v128.load(row), v128.load(u)));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(row, 16), v128.load(u, 16)));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(row, 32), v128.load(u, 32)));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(row, 48), v128.load(u, 48)));
        row += 64;
        u += 64;
      } while (row < end);
    }
    if (rest != 0) {
      a0 = f32x4.add(a0, f32x4.mul(lanes(row, rest), lanes(u, rest)));
      if (rest > 4) a1 = f32x4.add(a1, f32x4.mul(lanes(row + 16, rest - 4), lanes(u + 16, rest - 4)));
      if (rest > 8) a2 = f32x4.add(a2, f32x4.mul(lanes(row + 32, rest - 8), lanes(u + 32, rest - 8)));
      if (rest > 12) a3 = f32x4.add(a3, f32x4.mul(lanes(row + 48, rest - 12), lanes(u + 48, rest - 12)));
      row += (<usize>rest) << 2;
    }
    const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    const s = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
    store<f32>(out + ((<usize>i) << 2), load<f32>(B + ((<usize>i) << 2)) + s);
  }
}

/** The first min(n, 4) floats at p, zeros in the other lanes (never reads past them). */
function lanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}
