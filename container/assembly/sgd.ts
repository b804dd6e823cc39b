// The BPR SGD kernel, the algorithm described in container/src/train/kernel.ts: a positive pair
// uniform over all pairs, the highest-scored of `nNeg` candidates as negative (verified against the
// user's items), one step of ln sigmoid(x_uij) with L2 and item bias, plain SGD or row-wise Adagrad
// (adagrad.ts). Candidates are uniform over items, or (popNeg != 0) the item of a uniformly drawn
// training pair, i.e. in proportion to item popularity, as implicit samples.
import { adagradStep, dUI, dUJ, rowDots } from './adagrad';

const INV8: i32 = 7;

// The PRNG state lives in globals while runSamples runs: each thread has its own instance, so
// they are thread-local, whereas the state's home in the shared memory sits on a cache line the
// other threads' states share (written at every draw, that line would bounce between cores).
let r0: u32 = 0,
  r1: u32 = 0,
  r2: u32 = 0,
  r3: u32 = 0;

function nextRand(): u32 {
  const result = rotl<u32>(r1 * 5, 7) * 9;
  const t = r1 << 9;
  r2 ^= r0;
  r3 ^= r1;
  r1 ^= r2;
  r0 ^= r3;
  r2 ^= t;
  r3 = rotl<u32>(r3, 11);
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
  // Branch-free: k falls anywhere in the row, so the comparisons' branches would mispredict.
  let base = indices + ((<usize>load<i32>(indptr + ((<usize>u) << 2))) << 2);
  let n = load<i32>(indptr + (usize(u + 1) << 2)) - load<i32>(indptr + ((<usize>u) << 2));
  if (n == 0) return false;
  while (n > 1) {
    const half = n >>> 1;
    base = select<usize>(base + ((<usize>half) << 2), base, load<i32>(base + ((<usize>half) << 2)) <= k);
    n -= half;
  }
  return load<i32>(base) == k;
}

// Dot products of the SGD: four accumulators over blocks of 16 floats keep four independent add
// chains in flight (one accumulator makes each product wait for the previous add), as scoreItems does.
function dot(a: usize, b: usize, F: i32): f32 {
  let a0 = f32x4.splat(0),
    a1 = f32x4.splat(0),
    a2 = f32x4.splat(0),
    a3 = f32x4.splat(0);
  const F16 = F & ~15;
  const F4 = F & ~3;
  let f = 0;
  for (; f < F16; f += 16) {
    const o = (<usize>f) << 2;
    a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(a + o, 32), v128.load(b + o, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(a + o, 48), v128.load(b + o, 48)));
  }
  for (; f < F4; f += 4) {
    const o = (<usize>f) << 2;
    a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  const acc = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; f < F; f++) s += load<f32>(a + ((<usize>f) << 2)) * load<f32>(b + ((<usize>f) << 2));
  return s;
}

/** dot(u, i - j), accumulated as dot() does. */
function diffDot(u: usize, i: usize, j: usize, F: i32): f32 {
  let a0 = f32x4.splat(0),
    a1 = f32x4.splat(0),
    a2 = f32x4.splat(0),
    a3 = f32x4.splat(0);
  const F16 = F & ~15;
  const F4 = F & ~3;
  let f = 0;
  for (; f < F16; f += 16) {
    const o = (<usize>f) << 2;
    a0 = f32x4.add(a0, f32x4.mul(v128.load(u + o), f32x4.sub(v128.load(i + o), v128.load(j + o))));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(u + o, 16), f32x4.sub(v128.load(i + o, 16), v128.load(j + o, 16))));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(u + o, 32), f32x4.sub(v128.load(i + o, 32), v128.load(j + o, 32))));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(u + o, 48), f32x4.sub(v128.load(i + o, 48), v128.load(j + o, 48))));
  }
  for (; f < F4; f += 4) {
    const o = (<usize>f) << 2;
    a0 = f32x4.add(a0, f32x4.mul(v128.load(u + o), f32x4.sub(v128.load(i + o), v128.load(j + o))));
  }
  const acc = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; f < F; f++) {
    const o = (<usize>f) << 2;
    s += load<f32>(u + o) * (load<f32>(i + o) - load<f32>(j + o));
  }
  return s;
}

/**
 * Runs `samples` steps. rng: 4 u32 of xoshiro128** state, advanced in place. stats: 5 f64 that
 * this call adds to: loss sum over every 8th used sample, correct, used, skipped, loss samples.
 * S: one slot of slotBytes per item, [bias, Adagrad sum of the bias, Adagrad sum of the item row]:
 * an item's scalars on a cache line of their own, since a line of 16 items' biases written by two
 * threads would move between their cores at nearly every sample (false sharing).
 * GU: Adagrad's sums of squared gradients, one f32 per user; 0 for plain SGD.
 */
export function runSamples(
  U: usize,
  I: usize,
  S: usize,
  slotBytes: usize,
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
  GU: usize,
): void {
  const rowBytes = (<usize>F) << 2;
  let lossSum: f64 = 0;
  let correct: i32 = 0,
    used: i32 = 0,
    skipped: i32 = 0,
    lossCount: i32 = 0;
  if (nNeg < 1) nNeg = 1;
  r0 = load<u32>(rng);
  r1 = load<u32>(rng, 4);
  r2 = load<u32>(rng, 8);
  r3 = load<u32>(rng, 12);

  for (let n = 0; n < samples; n++) {
    const pair = below(nextRand(), nPairs);
    const u = load<i32>(pairUsers + ((<usize>pair) << 2));
    const i = load<i32>(indices + ((<usize>pair) << 2));
    const uo = U + <usize>u * rowBytes;

    let j = -1;
    let best: f32 = -Infinity;
    for (let c = 0; c < nNeg; c++) {
      let cand = -1;
      for (let attempt = 0; attempt <= 8; attempt++) {
        const k = popNeg != 0 ? load<i32>(indices + ((<usize>below(nextRand(), nPairs)) << 2)) : below(nextRand(), nItems);
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
      const s = load<f32>(S + <usize>cand * slotBytes) + dot(uo, I + <usize>cand * rowBytes, F);
      // Selects, not a branch: which candidate wins is unpredictable, and a mispredicted branch
      // would discard the next candidate's loads already in flight.
      const better = s > best;
      j = select<i32>(cand, j, better);
      best = select<f32>(s, best, better);
    }
    if (j < 0) {
      skipped++;
      continue;
    }

    const io = I + <usize>i * rowBytes;
    const jo = I + <usize>j * rowBytes;
    const bi = S + <usize>i * slotBytes;
    const bj = S + <usize>j * slotBytes;
    let dx: f32;
    if (GU == 0) dx = diffDot(uo, io, jo, F);
    else {
      rowDots(uo, io, jo, F); // Adagrad's step needs more products of the same rows
      dx = dUI - dUJ;
    }
    const x = dx + (load<f32>(bi) - load<f32>(bj));
    const xc: f32 = x > 35 ? 35 : x < -35 ? -35 : x;
    const e: f32 = Mathf.exp(xc);
    const z: f32 = 1 / (1 + e);
    if ((used & INV8) == 0) {
      lossSum += Math.log1p(1 / <f64>e);
      lossCount++;
    }
    if (x > 0) correct++;
    used++;

    if (GU == 0) sgdStep(uo, io, jo, bi, bj, F, z, lr, reg, regB);
    else {
      adagradStep(uo, io, jo, bi, bj, GU + ((<usize>u) << 2), bi + 8, bj + 8, bi + 4, bj + 4, F, z, lr, reg, regB);
    }
  }
  store<u32>(rng, r0);
  store<u32>(rng, r1, 4);
  store<u32>(rng, r2, 8);
  store<u32>(rng, r3, 12);
  store<f64>(stats, load<f64>(stats) + lossSum);
  store<f64>(stats, load<f64>(stats, 8) + <f64>correct, 8);
  store<f64>(stats, load<f64>(stats, 16) + <f64>used, 16);
  store<f64>(stats, load<f64>(stats, 24) + <f64>skipped, 24);
  store<f64>(stats, load<f64>(stats, 32) + <f64>lossCount, 32);
}

/** Gradient ascent on ln sigmoid(x_uij) - L2 for u, i, j and the two biases; z = 1 - sigmoid(x_uij). */
function sgdStep(uo: usize, io: usize, jo: usize, bi: usize, bj: usize, F: i32, z: f32, lr: f32, reg: f32, regB: f32): void {
  store<f32>(bi, load<f32>(bi) + lr * (z - regB * load<f32>(bi)));
  store<f32>(bj, load<f32>(bj) + lr * (-z - regB * load<f32>(bj)));
  const zv = f32x4.splat(z);
  const lrv = f32x4.splat(lr);
  const regv = f32x4.splat(reg);
  const F4 = F & ~3;
  let f = 0;
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
