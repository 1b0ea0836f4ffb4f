/**
 * Lesion-functional Fisher (lib/fisher/lesion-functional.ts, network-lesion.ts)
 * and the lesion chart, against float64 references written with PyTorch autograd
 * by data-scripts/fixtures/make_fisher_lesion_fixtures.py
 * (test/fixtures/fisher/fisher_lesion_reference.json), against dense solves, and
 * the λ → 0 limit on a full-rank network.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lesionVsRest, softmaxRows } from '../../lib/fisher/closed-form';
import { fisherPencil } from '../../lib/fisher/invariants';
import { lesionChartFisher } from '../../lib/fisher/lesion-coordinates';
import { conjugateGradient, dampedInverseQuadratic } from '../../lib/fisher/lesion-functional';
import { cholesky, choleskySolve } from '../../lib/fisher/linalg';
import { FisherModel } from '../../lib/fisher/network';
import {
  fisherVectorProduct,
  LesionFunctional,
  lesionFunctionalExact,
  lesionFunctionalMatrixFree,
  lesionMeanFunctional,
  voxelFunctional,
  volumeFunctional,
} from '../../lib/fisher/network-lesion';
import { Random } from '../../lib/core/random';

interface Bound { lambda: number; Y: number; Z: number }
interface NetCase {
  variant: 'free' | 'reference';
  C: number; H: number; K: number; N: number; V: number; lesion: number;
  W1: number[]; b1: number[]; W2: number[]; b2: number[]; x: number[]; mask: number[]; voxel: number;
  fy: number[]; fz: number[];
  functionals: Record<'voxel' | 'lesion-mean' | 'volume', { value: number; gradient: number[]; bounds: Bound[] }>;
  generalisedEigenvalues?: number[];
}
interface ChartCase { K: number; lesion: number; eta: number[]; iy: number[]; iz: number[] }

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'fisher', 'fisher_lesion_reference.json'), 'utf8')) as { chart: ChartCase[]; networks: NetCase[] };

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** The fixture's per-voxel MLP in tfjs ('reference': class 0's logit fixed at 0). */
function buildNet(c: NetCase): { model: FisherModel; x: tf.Tensor; dispose: () => void } {
  const kout = c.variant === 'free' ? c.K : c.K - 1;
  const tag = `lf_${c.variant}`;
  const W1 = tf.variable(tf.tensor2d(c.W1, [c.C, c.H]), true, `${tag}_W1`);
  const b1 = tf.variable(tf.tensor1d(c.b1), true, `${tag}_b1`);
  const W2 = tf.variable(tf.tensor2d(c.W2, [c.H, kout]), true, `${tag}_W2`);
  const b2 = tf.variable(tf.tensor1d(c.b2), true, `${tag}_b2`);
  const logits = (inp: tf.Tensor): tf.Tensor => {
    const n = inp.shape[0];
    const out = tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(inp.reshape([-1, c.C]), W1), b1)), W2), b2);
    const full = c.variant === 'free' ? out : tf.concat([tf.zeros([out.shape[0], 1]), out], 1);
    return full.reshape([n, c.V, c.K]);
  };
  const x = tf.tensor3d(c.x, [c.N, c.V, c.C]);
  return { model: { logits, variables: [W1, b1, W2, b2], groups: lesionVsRest(c.K, c.lesion) }, x, dispose: () => [W1, b1, W2, b2, x].forEach((t) => t.dispose()) };
}

function functionalsOf(c: NetCase): Record<'voxel' | 'lesion-mean' | 'volume', LesionFunctional> {
  const total = c.N * c.V;
  return { voxel: voxelFunctional(total, c.voxel), 'lesion-mean': lesionMeanFunctional(c.mask), volume: volumeFunctional(total) };
}

describe('dense and conjugate-gradient solves', () => {
  it('∇gᵀ(F + λI)⁻¹∇g: closed form on a diagonal F; CG matches the dense solve on a singular F with damping', async () => {
    expect(dampedInverseQuadratic([2, 0, 0, 4], 2, [1, 1], 0)).toBeCloseTo(0.75, 15);
    expect(dampedInverseQuadratic([2, 0, 0, 4], 2, [1, 1], 1)).toBeCloseTo(1 / 3 + 1 / 5, 15);
    expect(() => dampedInverseQuadratic([1, 0, 0, 0], 2, [1, 1], 0)).toThrow(/not positive definite; use a damping lambda > 0/);
    const rng = new Random(3);
    const P = 30;
    const r = 12; // F = A Aᵀ of rank 12
    const a = Float64Array.from({ length: P * r }, () => rng.normal());
    const f = new Float64Array(P * P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) for (let k = 0; k < r; k++) f[i * P + j] += a[i * r + k] * a[j * r + k];
    const g = Float64Array.from({ length: P }, () => rng.normal());
    const apply = (v: Float64Array): Float64Array => Float64Array.from({ length: P }, (_, i) => f.subarray(i * P, (i + 1) * P).reduce((s, x, j) => s + x * v[j], 0));
    for (const lambda of [1, 1e-2]) {
      const dense = dampedInverseQuadratic(f, P, g, lambda);
      const cg = await conjugateGradient(apply, g, { lambda, tolerance: 1e-10, maxIterations: 200 });
      expect(cg.converged).toBe(true);
      expect(cg.stopReason).toBe('residual');
      expect(cg.iterations).toBeLessThanOrEqual(r + 2); // CG on rank-r + λI needs at most r + 1 steps in exact arithmetic
      expect(relErr(cg.quadratic, dense)).toBeLessThan(1e-9);
    }
    const capped = await conjugateGradient(apply, g, { lambda: 1e-2, tolerance: 1e-12, maxIterations: 3 });
    expect(capped.converged).toBe(false);
    expect(capped.iterations).toBe(3);
    expect(capped.stopReason).toBe('max-iterations');
    // undamped on a singular F: a search direction in its null space ends CG
    const singular = await conjugateGradient(() => new Float64Array(P), g, { lambda: 0 });
    expect(singular.stopReason).toBe('null-direction');
    expect(singular.quadratic).toBe(0);
  });
});

describe('bounds on the quadratic from an unfinished CG (Gauss and Gauss–Radau)', () => {
  it('bracket ∇gᵀ(F + λI)⁻¹∇g at every iteration, against the closed form of an F with known eigenvalues', async () => {
    // F = U diag(e) Uᵀ with U orthonormal (Gram–Schmidt of Gaussian vectors) and eigenvalues over eight decades,
    // some of them 0: ∇gᵀ(F + λI)⁻¹∇g = Σ (uᵢᵀ∇g)² / (eᵢ + λ) exactly, whatever CG does
    const rng = new Random(11);
    const P = 60;
    const u: Float64Array[] = [];
    while (u.length < P) {
      const v = Float64Array.from({ length: P }, () => rng.normal());
      for (const w of u) {
        const d = w.reduce((s, x, i) => s + x * v[i], 0);
        for (let i = 0; i < P; i++) v[i] -= d * w[i];
      }
      const nv = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      u.push(v.map((x) => x / nv));
    }
    const e = Array.from({ length: P }, (_, i) => (i < 10 ? 0 : 10 ** (-6 + (8 * (i - 10)) / (P - 11))));
    const apply = (v: Float64Array): Float64Array => {
      const out = new Float64Array(P);
      for (let k = 0; k < P; k++) {
        const c = e[k] * u[k].reduce((s, x, i) => s + x * v[i], 0);
        for (let i = 0; i < P; i++) out[i] += c * u[k][i];
      }
      return out;
    };
    const g = Float64Array.from({ length: P }, () => rng.normal());
    for (const lambda of [1e-2, 1e-4]) {
      const exact = u.reduce((s, w, k) => s + w.reduce((t, x, i) => t + x * g[i], 0) ** 2 / (e[k] + lambda), 0);
      let widest = 0;
      for (const iters of [1, 2, 5, 10, 20, 30, 40, 50, 200]) {
        const cg = await conjugateGradient(apply, g, { lambda, tolerance: 1e-10, maxIterations: iters, quadraticTolerance: 0 });
        const b = cg.bounds!;
        expect(b.mu).toBe(lambda);
        expect(b.lower).toBe(cg.quadratic);
        // the bounds hold in exact arithmetic; in float64 CG loses orthogonality near convergence and its bᵀx
        // overshoots the exact value by ~2e-8 relative here (condition number 1e4): checked to 1e-6
        expect(b.lower, `lower bound after ${cg.iterations} iterations, λ ${lambda}`).toBeLessThanOrEqual(exact * (1 + 1e-6));
        expect(b.upper, `upper bound after ${cg.iterations} iterations, λ ${lambda}`).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
        // not vacuous: the upper bound's excess is of the order of the lower bound's shortfall
        expect(b.upper - exact).toBeLessThanOrEqual(10 * Math.abs(exact - b.lower) + 1e-6 * exact);
        widest = Math.max(widest, (b.upper - b.lower) / exact);
        if (iters === 200) {
          expect(cg.relativeResidual).toBeLessThan(1e-4);
          expect((b.upper - b.lower) / exact).toBeLessThan(1e-6);
        }
      }
      expect(widest, 'early iterates leave a real gap, so the bracket is tested').toBeGreaterThan(0.1);
    }
    // the bracket rule: CG stops once its bounds agree to 5%, and the closed form lies between them
    const exact2 = u.reduce((s, w, k) => s + w.reduce((t, x, i) => t + x * g[i], 0) ** 2 / (e[k] + 1e-2), 0);
    const early = await conjugateGradient(apply, g, { lambda: 1e-2, tolerance: 1e-12, maxIterations: 500, quadraticTolerance: 0, bracketTolerance: 0.05 });
    expect(early.stopReason).toBe('bracket');
    expect(early.converged).toBe(false);
    expect((early.bounds!.upper - early.bounds!.lower) / early.bounds!.lower).toBeLessThanOrEqual(0.05);
    expect(early.bounds!.lower).toBeLessThanOrEqual(exact2 * (1 + 1e-6));
    expect(early.bounds!.upper).toBeGreaterThanOrEqual(exact2 * (1 - 1e-6));
    await expect(conjugateGradient(apply, g, { lambda: 1e-2, bracketTolerance: -1 })).rejects.toThrow(/bracketTolerance must be >= 0/);
    // a given μ is used as is; none without damping; a bad μ is refused
    const given = await conjugateGradient(apply, g, { lambda: 1e-2, maxIterations: 3, smallestEigenvalueBound: 5e-3 });
    expect(given.bounds!.mu).toBe(5e-3);
    const undamped = await conjugateGradient(apply, g, { lambda: 0, maxIterations: 3 });
    expect(undamped.bounds).toBeUndefined();
    await expect(conjugateGradient(apply, g, { lambda: 1e-2, smallestEigenvalueBound: -1 })).rejects.toThrow(/smallestEigenvalueBound must be > 0/);
  });
});

describe('lesion chart vs torch autograd E[score scoreᵀ] in ξ coordinates', () => {
  it('I_Y and I_Z in (ψ, φ, s) match to 1e-12', () => {
    expect(fixture.chart.length).toBe(20);
    for (const c of fixture.chart) {
      const chart = lesionChartFisher(softmaxRows(c.eta, c.K), c.lesion);
      for (let i = 0; i < c.K * c.K; i++) {
        expect(Math.abs(chart.y[i] - c.iy[i])).toBeLessThan(1e-12);
        expect(Math.abs(chart.z[i] - c.iz[i])).toBeLessThan(1e-12);
      }
    }
  });
});

describe('lesion-functional Fisher of tiny networks vs torch float64', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const variant of ['free', 'reference'] as const) {
    it(`${variant} MLP: g, ∇g, F_Y, F_Z and the damped bounds under Y and Z for voxel, lesion-mean and volume`, async () => {
      const c = fixture.networks.find((n) => n.variant === variant)!;
      const net = buildNet(c);
      try {
        const fns = functionalsOf(c);
        for (const name of ['voxel', 'lesion-mean', 'volume'] as const) {
          const ref = c.functionals[name];
          for (const b of ref.bounds) {
            const res = await lesionFunctionalExact(net.model, [{ x: net.x }], fns[name], { lambda: b.lambda });
            expect(Math.abs(res.value - ref.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.value)));
            const gScale = Math.max(...ref.gradient.map(Math.abs));
            res.gradient.forEach((v, i) => expect(Math.abs(v - ref.gradient[i])).toBeLessThan(1e-5 * gScale));
            const fScale = Math.max(...c.fy.map(Math.abs));
            res.fisher.y.forEach((v, i) => expect(Math.abs(v - c.fy[i])).toBeLessThan(1e-5 * fScale));
            res.fisher.z.forEach((v, i) => expect(Math.abs(v - c.fz[i])).toBeLessThan(1e-5 * fScale));
            // float32 forward/backward passes, float64 solves: observed ≤ 3e-7 relative with damping,
            // 1.1e-6 undamped (F_Z's condition number is ~7e6 here)
            const tol = b.lambda > 0 ? 1e-6 : 1e-5;
            expect(relErr(res.Y, b.Y), `${name} λ=${b.lambda} Y`).toBeLessThan(tol);
            expect(relErr(res.Z, b.Z), `${name} λ=${b.lambda} Z`).toBeLessThan(tol);
            expect(res.Z).toBeGreaterThanOrEqual(res.Y * (1 - 1e-7));
            // the predicted volume Σ_v p_L over the Fisher's own voxels: the lesion logit's bias b_L moves ψ
            // at every voxel at once, and its score is Σ_v (1[lesion] − p_L) under Y and Z alike, so undamped
            // both bounds equal Var(Σ_v Z_v): ratio 1 (a property of this functional, not of the network)
            if (name === 'volume' && b.lambda === 0) expect(Math.abs(res.ratio - 1)).toBeLessThan(1e-6);
            console.log(`${variant} ${name} λ=${b.lambda}: Y ${res.Y.toPrecision(7)} (torch ${b.Y.toPrecision(7)}, rel ${relErr(res.Y, b.Y).toExponential(1)}), ` +
              `Z ${res.Z.toPrecision(7)} (torch ${b.Z.toPrecision(7)}, rel ${relErr(res.Z, b.Z).toExponential(1)}), ratio ${res.ratio.toFixed(4)}`);
          }
        }
      } finally {
        net.dispose();
      }
    });
  }

  it('reference MLP: generalised eigenvalues of (F_Y, F_Z) on the whole space match scipy.linalg.eigh', async () => {
    const c = fixture.networks.find((n) => n.variant === 'reference')!;
    const net = buildNet(c);
    try {
      const res = await lesionFunctionalExact(net.model, [{ x: net.x }], functionalsOf(c)['lesion-mean'], { lambda: 0 });
      const P = res.numParams;
      // F_Z's smallest eigenvalue is ~1e-6 of its largest here: the whole space, relTol below it
      const pencil = fisherPencil(res.fisher.y, res.fisher.z, P, { relTol: 1e-9 });
      expect(pencil.dimension).toBe(P);
      const ref = c.generalisedEigenvalues!;
      pencil.eigenvalues.forEach((v, i) => expect(Math.abs(v - ref[i]) / ref[i], `λ_${i}`).toBeLessThan(1e-2));
      // the bulk (all but the top few, where F_Z is near-singular) to 1e-4
      pencil.eigenvalues.slice(0, P - 4).forEach((v, i) => expect(Math.abs(v - ref[i]) / ref[i]).toBeLessThan(1e-4));
      expect(pencil.smallest).toBeGreaterThan(1 - 1e-4);
    } finally {
      net.dispose();
    }
  });
});

describe('λ → 0 on a full-rank network', () => {
  it('the damped bound rises monotonically to the undamped one, within λ‖F⁻¹∇g‖²', async () => {
    await tf.setBackend('cpu');
    const c = fixture.networks.find((n) => n.variant === 'reference')!;
    const net = buildNet(c);
    try {
      const res = await lesionFunctionalExact(net.model, [{ x: net.x }], functionalsOf(c)['lesion-mean'], { lambda: 0 });
      const P = res.numParams;
      for (const lik of ['y', 'z'] as const) {
        const f = res.fisher[lik];
        const exact = dampedInverseQuadratic(f, P, res.gradient, 0);
        // b(0) − b(λ) = λ ∇gᵀF⁻¹(F + λI)⁻¹∇g ≤ λ ‖F⁻¹∇g‖², with equality as λ → 0
        const x = choleskySolve(cholesky(f, P), P, res.gradient);
        const xx = x.reduce((s, v) => s + v * v, 0);
        let prev = 0;
        const lambdas = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7];
        const errors = lambdas.map((lambda) => {
          const v = dampedInverseQuadratic(f, P, res.gradient, lambda);
          expect(v).toBeGreaterThan(prev);
          prev = v;
          return exact - v;
        });
        errors.forEach((e, i) => {
          expect(e).toBeGreaterThan(0);
          expect(e).toBeLessThanOrEqual(lambdas[i] * xx * (1 + 1e-9));
        });
        // at the smallest λ (below F's smallest eigenvalue for Y, 1.3e-3; not yet for Z, ~1e-6) the first-order term
        const last = errors[errors.length - 1] / (lambdas[lambdas.length - 1] * xx);
        expect(last).toBeGreaterThan(lik === 'y' ? 0.999 : 0.5);
        console.log(`${lik}: undamped ${exact.toPrecision(7)}; relative error of the damped bound at λ = ${lambdas.join(', ')}: ${errors.map((e) => (e / exact).toExponential(1)).join(', ')}`);
      }
    } finally {
      net.dispose();
    }
  });
});

describe('matrix-free: Fisher-vector products and conjugate gradients', () => {
  let net: ReturnType<typeof buildNet>;
  let c: NetCase;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    c = fixture.networks.find((n) => n.variant === 'free')!;
    net = buildNet(c);
  });
  afterAll(() => net.dispose());

  it('F v by central differences + a backward pass matches the dense exact F v (relative 1e-3), and leaves the weights unchanged', async () => {
    const P = 36;
    const before = await Promise.all(net.model.variables.map((v) => v.data()));
    const rng = new Random(5);
    for (const [lik, f] of [['y', c.fy], ['z', c.fz]] as const) {
      const product = await fisherVectorProduct(net.model, [{ x: net.x }], lik, 1e-4, 'central-difference');
      let worst = 0;
      for (let t = 0; t < 5; t++) {
        const v = Float64Array.from({ length: P }, () => rng.normal());
        const fv = await product(v);
        const ref = Float64Array.from({ length: P }, (_, i) => f.slice(i * P, (i + 1) * P).reduce((s, x, j) => s + x * v[j], 0));
        const err = Math.hypot(...fv.map((x, i) => x - ref[i])) / Math.hypot(...ref);
        worst = Math.max(worst, err);
      }
      expect(worst).toBeLessThan(1e-3);
      console.log(`Fisher-vector product (${lik}): worst relative error over 5 random v = ${worst.toExponential(2)}`);
    }
    const after = await Promise.all(net.model.variables.map((v) => v.data()));
    after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i])));
  });

  it('F v by the exact JVP (double backward) matches the dense exact F v to 1e-5, and leaves the weights unchanged', async () => {
    const P = 36;
    const before = await Promise.all(net.model.variables.map((v) => v.data()));
    const rng = new Random(6);
    for (const [lik, f] of [['y', c.fy], ['z', c.fz]] as const) {
      const product = await fisherVectorProduct(net.model, [{ x: net.x }], lik, undefined, 'exact');
      let worst = 0;
      for (let t = 0; t < 5; t++) {
        const v = Float64Array.from({ length: P }, () => rng.normal());
        const fv = await product(v);
        const ref = Float64Array.from({ length: P }, (_, i) => f.slice(i * P, (i + 1) * P).reduce((s, x, j) => s + x * v[j], 0));
        worst = Math.max(worst, Math.hypot(...fv.map((x, i) => x - ref[i])) / Math.hypot(...ref));
      }
      expect(worst).toBeLessThan(1e-5);
      console.log(`exact Fisher-vector product (${lik}): worst relative error over 5 random v = ${worst.toExponential(2)}`);
    }
    const after = await Promise.all(net.model.variables.map((v) => v.data()));
    after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i])));
  });

  it('CG on exact products converges to a residual of 1e-6 and matches the dense damped bound to 1e-5, with a stated residual and iteration count', async () => {
    const fn = functionalsOf(c)['lesion-mean'];
    const lambda = 1e-2;
    const ref = c.functionals['lesion-mean'].bounds.find((b) => b.lambda === lambda)!;
    const res = await lesionFunctionalMatrixFree(net.model, [{ x: net.x }], fn, { lambda, tolerance: 1e-6, maxIterations: 200, quadraticTolerance: 0, subspaceDimension: 4, seed: 1 });
    const solver = res.solver as Extract<typeof res.solver, { tolerance: number }>;
    expect(solver.method).toMatch(/exact JVP by double backward/);
    expect(solver.differenceStep).toBeNull();
    expect(solver.converged).toEqual({ Y: true, Z: true });
    expect(solver.relativeResidual.Y).toBeLessThanOrEqual(1e-6);
    expect(relErr(res.Y, ref.Y)).toBeLessThan(1e-5);
    expect(relErr(res.Z, ref.Z)).toBeLessThan(1e-5);
    expect(res.ratio).toBeGreaterThan(1);
    expect(res.pencil!.dimension).toBe(4);
    expect(res.pencil!.smallest).toBeGreaterThan(1 - 1e-3);
    console.log(`CG: Y ${res.Y.toPrecision(6)} (dense ${ref.Y.toPrecision(6)}), Z ${res.Z.toPrecision(6)} (dense ${ref.Z.toPrecision(6)}), ` +
      `iterations ${JSON.stringify(solver.iterations)}, residuals ${JSON.stringify(solver.relativeResidual)}`);
    // central-difference products: converged to 1e-4 at best, the bound within 1e-3
    const cd = await lesionFunctionalMatrixFree(net.model, [{ x: net.x }], fn, { lambda, tolerance: 1e-4, maxIterations: 200, quadraticTolerance: 0, jvp: 'central-difference' });
    const cdSolver = cd.solver as Extract<typeof cd.solver, { tolerance: number }>;
    expect(cdSolver.differenceStep).toBe(1e-4);
    expect(relErr(cd.Y, ref.Y)).toBeLessThan(1e-3);
    expect(relErr(cd.Z, ref.Z)).toBeLessThan(1e-3);
    console.log(`CG on central-difference products: Y ${cd.Y.toPrecision(6)}, Z ${cd.Z.toPrecision(6)}, iterations ${JSON.stringify(cdSolver.iterations)}, residuals ${JSON.stringify(cdSolver.relativeResidual)}`);
    // default λ from the Monte-Carlo trace is stated
    const dflt = await lesionFunctionalMatrixFree(net.model, [{ x: net.x }], fn, { maxIterations: 5 });
    expect(dflt.lambdaRule).toMatch(/0.0001 × tr\(F_Y\) \/ P, tr\(F_Y\) = .* \(Monte-Carlo estimate, 4/);
    expect(dflt.lambda).toBeGreaterThan(0);
  });

  it('rejects weights that do not match the images and groups that are not lesion vs rest', async () => {
    await expect(lesionFunctionalMatrixFree(net.model, [{ x: net.x }], volumeFunctional(5))).rejects.toThrow(/5 weights for 48 voxels/);
    const odd = { ...net.model, groups: { numClasses: 4, groups: [[0, 1], [2, 3]] } };
    await expect(lesionFunctionalExact(odd, [{ x: net.x }], volumeFunctional(48))).rejects.toThrow(/must be lesion vs rest/);
    expect(() => lesionMeanFunctional([0, 0])).toThrow(/has no voxels/);
  });
});
