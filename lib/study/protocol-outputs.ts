/**
 * What a protocol run writes beside primary.json, from the joint primary endpoint of all its
 * datasets: forest.html (the forest plot of every comparison and the conclusions) with
 * forest.png when Chromium is available, and conclusions.md ("what this run can and cannot
 * conclude", lib/study/conclusions) followed by the secondary endpoints' table
 * (lib/study/secondary). Each file is written atomically.
 */
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';
import { reportHtml, ReportSection } from '../plot/html';
import { ArmLearningCurves, conclusionSentences, conclusionsMarkdown, StudyConclusions, studyConclusions } from './conclusions';
import type { PrimaryResults } from './primary';
import type { Protocol } from './protocol';
import { SECONDARY_COLUMNS, secondaryCaption, secondaryMarkdown, SecondaryResults, secondaryTable } from './secondary';
import { renderPngs } from './report';
import { forestCaption, primaryForestFigure } from './report-protocol';

/** What {@link writeProtocolOutputs} wrote. */
export interface ProtocolOutputs {
  conclusions: StudyConclusions;
  /** paths of the files written */
  files: string[];
}

/**
 * Write forest.html (+ forest.png), conclusions.md into `root` and log the conclusions; with the
 * secondary endpoints, both files end with their table.
 * @param primary the joint primary endpoint (every dataset of the run)
 * @param protocol the protocol it was computed under
 * @param root the report root (where primary.json is)
 * @param protocolLine describeProtocol(...) for the page's subtitle
 * @param convergence every (dataset, arm)'s validation learning curves, for the convergence sentences
 * @param secondary the secondary endpoints of the same run (lib/study/secondary buildSecondary)
 */
export async function writeProtocolOutputs(
  primary: PrimaryResults,
  protocol: Protocol,
  root: string,
  protocolLine: string,
  log: (line: string) => void,
  convergence?: readonly ArmLearningCurves[],
  secondary?: SecondaryResults,
): Promise<ProtocolOutputs> {
  const files: string[] = [];
  const write = (name: string, data: Uint8Array | string) => {
    const file = path.join(root, name);
    writeFileAtomic(file, data);
    files.push(file);
  };
  const conclusions = studyConclusions(primary, protocol, convergence ? { convergence } : {});
  write('conclusions.md', conclusionsMarkdown(conclusions) + (secondary ? `\n${secondaryMarkdown(secondary, protocol)}` : ''));
  const sections: ReportSection[] = [];
  const forest = primaryForestFigure(primary, protocol);
  if (forest) {
    const pngs = await renderPngs({ forest }, write, log);
    sections.push({ heading: 'Primary endpoint: every comparison', text: forestCaption(protocol, 'joint'), figure: forest, figurePng: pngs.forest });
  } else {
    sections.push({ heading: 'Primary endpoint: every comparison', text: 'The run holds no comparison (only the baseline arm), so there is no forest plot.' });
  }
  sections.push({ heading: 'What this run can and cannot conclude', text: conclusionSentences(conclusions).join('\n\n') });
  if (secondary) {
    sections.push({ heading: 'Secondary endpoints', table: { columns: SECONDARY_COLUMNS, rows: secondaryTable(secondary, protocol), caption: secondaryCaption(secondary) } });
  }
  write('forest.html', reportHtml({ title: 'Protocol run: primary endpoint', subtitle: `${protocolLine}; generated ${new Date().toISOString()}`, sections }));
  log(`protocol outputs in ${root}: ${files.map((f) => path.basename(f)).join(', ')}`);
  log('What this run can and cannot conclude:');
  for (const s of conclusionSentences(conclusions)) log(`  ${s}`);
  return { conclusions, files };
}
