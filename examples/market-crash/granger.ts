/**
 * The "given function" of the market-crash example: a conditional Granger causality test. It is
 * one self-contained function (helpers inside, Math only) because the scripted stand-in hands its
 * source out as generate_code's answer, and the example runs whatever code it gets in a child
 * process before trusting it.
 *
 * Does `cause` help predict `effect` beyond the past of every series? Regress effect[t] on a
 * constant and lags 1..lags of all K series (unrestricted), and again without cause's lags
 * (restricted); F = ((RSS_r − RSS_u)/lags) / (RSS_u/(N − K·lags − 1)), p from the F distribution
 * (regularized incomplete beta, continued fraction as in Numerical Recipes §6.4). `coef` is the
 * sum of cause's lag coefficients in the unrestricted model (its sign says which way it pushes).
 */
export function grangerTest(
  series: number[][],
  cause: number,
  effect: number,
  lags: number,
  start: number,
  end: number,
): { f: number; p: number; coef: number } {
  const K = series.length;
  function design(skip: number): { X: number[][]; y: number[] } {
    const X: number[][] = [];
    const y: number[] = [];
    for (let t = Math.max(start, lags); t < end; t++) {
      const row = [1];
      for (let k = 0; k < K; k++) {
        if (k === skip) continue;
        for (let l = 1; l <= lags; l++) row.push(series[k][t - l]);
      }
      X.push(row);
      y.push(series[effect][t]);
    }
    return { X, y };
  }
  function ols(X: number[][], y: number[]): { beta: number[]; rss: number } {
    const m = X[0].length;
    const A: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    const b: number[] = new Array<number>(m).fill(0);
    for (let i = 0; i < X.length; i++) {
      const r = X[i];
      for (let a = 0; a < m; a++) {
        b[a] += r[a] * y[i];
        for (let c = 0; c <= a; c++) A[a][c] += r[a] * r[c];
      }
    }
    // Cholesky: A = L·Lᵀ (A is symmetric positive definite for a full-rank design).
    const L: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let a = 0; a < m; a++) {
      for (let c = 0; c <= a; c++) {
        let s = A[a][c];
        for (let k = 0; k < c; k++) s -= L[a][k] * L[c][k];
        L[a][c] = a === c ? Math.sqrt(Math.max(s, 1e-300)) : s / L[c][c];
      }
    }
    const z: number[] = new Array<number>(m).fill(0);
    for (let a = 0; a < m; a++) {
      let s = b[a];
      for (let k = 0; k < a; k++) s -= L[a][k] * z[k];
      z[a] = s / L[a][a];
    }
    const beta: number[] = new Array<number>(m).fill(0);
    for (let a = m - 1; a >= 0; a--) {
      let s = z[a];
      for (let k = a + 1; k < m; k++) s -= L[k][a] * beta[k];
      beta[a] = s / L[a][a];
    }
    let rss = 0;
    for (let i = 0; i < X.length; i++) {
      let fit = 0;
      for (let a = 0; a < m; a++) fit += X[i][a] * beta[a];
      rss += (y[i] - fit) ** 2;
    }
    return { beta, rss };
  }
  function lnGamma(x: number): number {
    // Lanczos' coefficients as published (Numerical Recipes, gammln): some have more digits than a double holds.
    /* eslint-disable no-loss-of-precision */
    const c = [
      76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5,
    ];
    let tmp = x + 5.5;
    tmp -= (x + 0.5) * Math.log(tmp);
    let ser = 1.000000000190015;
    for (let j = 0; j < 6; j++) ser += c[j] / (x + j + 1);
    return -tmp + Math.log((2.5066282746310005 * ser) / x);
    /* eslint-enable no-loss-of-precision */
  }
  function betacf(a: number, b: number, x: number): number {
    const qab = a + b;
    const qap = a + 1;
    const qam = a - 1;
    let c = 1;
    let d = 1 - (qab * x) / qap;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    d = 1 / d;
    let h = d;
    for (let m = 1; m <= 300; m++) {
      const m2 = 2 * m;
      let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < 1e-300) d = 1e-300;
      c = 1 + aa / c;
      if (Math.abs(c) < 1e-300) c = 1e-300;
      d = 1 / d;
      h *= d * c;
      aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < 1e-300) d = 1e-300;
      c = 1 + aa / c;
      if (Math.abs(c) < 1e-300) c = 1e-300;
      d = 1 / d;
      const del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 3e-16) break;
    }
    return h;
  }
  function betai(a: number, b: number, x: number): number {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const bt = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
    return x < (a + 1) / (a + b + 2) ? (bt * betacf(a, b, x)) / a : 1 - (bt * betacf(b, a, 1 - x)) / b;
  }
  const full = design(-1);
  const u = ols(full.X, full.y);
  const r = ols(design(cause).X, full.y);
  const n = full.y.length;
  const df2 = n - (K * lags + 1);
  const f = Math.max(0, (r.rss - u.rss) / lags / (u.rss / df2));
  const p = betai(df2 / 2, lags / 2, df2 / (df2 + lags * f));
  // Column of cause's first lag in the unrestricted row: 1 (constant) + lags per series before it.
  let coef = 0;
  for (let l = 0; l < lags; l++) coef += u.beta[1 + cause * lags + l];
  return { f, p, coef };
}
