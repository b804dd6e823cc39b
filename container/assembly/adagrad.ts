// Row-wise Adagrad steps of the SGD kernel (sgd.ts).

// Six dot products of the sample's three rows, left by rowDots for adagradStep (per instance,
// so per thread: AssemblyScript has no multiple return values).
export let dUI: f32 = 0,
  dUJ: f32 = 0,
  dUU: f32 = 0,
  dII: f32 = 0,
  dJJ: f32 = 0,
  dIJ: f32 = 0;

function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** u.i, u.j, u.u, i.i, j.j and i.j in one pass over the three rows (six independent add chains). */
export function rowDots(u: usize, i: usize, j: usize, F: i32): void {
  let ui = f32x4.splat(0),
    uj = f32x4.splat(0),
    uu = f32x4.splat(0),
    ii = f32x4.splat(0),
    jj = f32x4.splat(0),
    ij = f32x4.splat(0);
  const F4 = F & ~3;
  let f = 0;
  for (; f < F4; f += 4) {
    const o = (<usize>f) << 2;
    const a = v128.load(u + o),
      b = v128.load(i + o),
      c = v128.load(j + o);
    ui = f32x4.add(ui, f32x4.mul(a, b));
    uj = f32x4.add(uj, f32x4.mul(a, c));
    uu = f32x4.add(uu, f32x4.mul(a, a));
    ii = f32x4.add(ii, f32x4.mul(b, b));
    jj = f32x4.add(jj, f32x4.mul(c, c));
    ij = f32x4.add(ij, f32x4.mul(b, c));
  }
  let sui = hsum(ui),
    suj = hsum(uj),
    suu = hsum(uu),
    sii = hsum(ii),
    sjj = hsum(jj),
    sij = hsum(ij);
  for (; f < F; f++) {
    const o = (<usize>f) << 2;
    const a = load<f32>(u + o),
      b = load<f32>(i + o),
      c = load<f32>(j + o);
    sui += a * b;
    suj += a * c;
    suu += a * a;
    sii += b * b;
    sjj += c * c;
    sij += b * c;
  }
  dUI = sui;
  dUJ = suj;
  dUU = suu;
  dII = sii;
  dJJ = sjj;
  dIJ = sij;
}

/**
 * The same gradients as sgdStep with row-wise Adagrad steps: each row (a user's or an item's
 * factors, and each bias) moves by lr * g / sqrt(h), where h (at gu, gi, gj, gbi, gbj; starting at
 * 1) sums the row's mean squared gradient so far. Rows updated often (popular items, active users)
 * slow down, rare ones keep large steps. One h per row, not per parameter: a square root and a
 * division per row instead of per parameter, which cost as much as scoring the candidates. The
 * rows' squared gradient norms come from rowDots' products (expanding |z (i - j) - reg u|^2 and
 * the like), so the update is one pass over the rows, as plain SGD's.
 */
export function adagradStep(
  uo: usize,
  io: usize,
  jo: usize,
  bi: usize,
  bj: usize,
  gu: usize,
  gi: usize,
  gj: usize,
  gbi: usize,
  gbj: usize,
  F: i32,
  z: f32,
  lr: f32,
  reg: f32,
  regB: f32,
): void {
  const dbi = z - regB * load<f32>(bi);
  const dbj = -z - regB * load<f32>(bj);
  const hbi = load<f32>(gbi) + dbi * dbi;
  const hbj = load<f32>(gbj) + dbj * dbj;
  store<f32>(gbi, hbi);
  store<f32>(gbj, hbj);
  store<f32>(bi, load<f32>(bi) + (lr * dbi) / Mathf.sqrt(hbi));
  store<f32>(bj, load<f32>(bj) + (lr * dbj) / Mathf.sqrt(hbj));
  const z2 = z * z,
    r2 = reg * reg,
    zr: f32 = <f32>2 * z * reg;
  // max(0, ...): rounding may take a near-zero norm below zero.
  const nu = max<f32>(0, z2 * (dII - 2 * dIJ + dJJ) - zr * (dUI - dUJ) + r2 * dUU);
  const ni = max<f32>(0, z2 * dUU - zr * dUI + r2 * dII);
  const nj = max<f32>(0, z2 * dUU + zr * dUJ + r2 * dJJ);
  const hu = load<f32>(gu) + nu / <f32>F;
  const hi = load<f32>(gi) + ni / <f32>F;
  const hj = load<f32>(gj) + nj / <f32>F;
  store<f32>(gu, hu);
  store<f32>(gi, hi);
  store<f32>(gj, hj);
  const ru = lr / Mathf.sqrt(hu),
    ri = lr / Mathf.sqrt(hi),
    rj = lr / Mathf.sqrt(hj);
  const zv = f32x4.splat(z),
    regv = f32x4.splat(reg);
  const ruv = f32x4.splat(ru),
    riv = f32x4.splat(ri),
    rjv = f32x4.splat(rj);
  const F4 = F & ~3;
  let f = 0;
  for (; f < F4; f += 4) {
    const o = (<usize>f) << 2;
    const uf = v128.load(uo + o);
    const inf = v128.load(io + o);
    const jf = v128.load(jo + o);
    const zu = f32x4.mul(zv, uf);
    v128.store(uo + o, f32x4.add(uf, f32x4.mul(ruv, f32x4.sub(f32x4.mul(zv, f32x4.sub(inf, jf)), f32x4.mul(regv, uf)))));
    v128.store(io + o, f32x4.add(inf, f32x4.mul(riv, f32x4.sub(zu, f32x4.mul(regv, inf)))));
    v128.store(jo + o, f32x4.sub(jf, f32x4.mul(rjv, f32x4.add(zu, f32x4.mul(regv, jf)))));
  }
  for (; f < F; f++) {
    const o = (<usize>f) << 2;
    const uf = load<f32>(uo + o),
      inf = load<f32>(io + o),
      jf = load<f32>(jo + o);
    store<f32>(uo + o, uf + ru * (z * (inf - jf) - reg * uf));
    store<f32>(io + o, inf + ri * (z * uf - reg * inf));
    store<f32>(jo + o, jf - rj * (z * uf + reg * jf));
  }
}
