/** Study-specific figure: Monte-Carlo Fisher traces of each trained run under both likelihoods. */
import { Figure, PlotTrace } from '../plot/types';
import { armColor, withAlpha } from '../plot/colors';
import { StudyResults } from './pipeline';

export function barFigureFisher(results: StudyResults): Figure {
  const data: PlotTrace[] = [];
  for (const mode of ['binary', 'backsplit'] as const) {
    const runs = results.runs.filter((r) => r.mode === mode);
    if (!runs.length) continue;
    for (const [lik, alpha] of [['y', 1], ['z', 0.5]] as const) {
      data.push({
        type: 'bar',
        name: `${mode === 'binary' ? 'binary' : 'BackSplit'} model, ${lik === 'y' ? 'F_Y (own classes)' : 'F_Z (lesion vs rest)'}`,
        x: runs.map((r) => `seed ${r.seed}`),
        y: runs.map((r) => r.fisher[lik].trace),
        marker: { color: withAlpha(armColor(mode), alpha) },
      } as PlotTrace);
    }
  }
  return {
    data,
    layout: {
      title: { text: 'Monte-Carlo Fisher trace per image, at the trained weights' },
      barmode: 'group',
      yaxis: { title: { text: 'trace of the Fisher information' }, type: 'log' },
      xaxis: { title: { text: 'training seed' } },
      height: 420,
    },
    config: { responsive: true, displaylogo: false },
  };
}
