/**
 * lib/fisher — Fisher information of the multiclass (BackSplit) and coarsened
 * (binary) likelihoods: closed forms at the logits, estimators for tfjs
 * networks (exact, Monte-Carlo, empirical), gradient-noise statistics, a
 * JSON report for the CLI, and the Cramér–Rao simulation.
 */
export { gapSurface } from './closed-form';
export { runCramerRao } from './cramer-rao';
export {
  uniformSplits,
  gapSurfaceMaximum,
  traceShare,
  cramerRaoRows,
  cramerRaoSweepRows,
  formatTrace,
  describeCramerRaoInformation,
  describeSweepZ,
} from './summaries';
