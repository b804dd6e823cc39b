// The ranking scores of the model server, of training's validation checks and of the test evaluation.

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
