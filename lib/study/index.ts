/** The reproduction study: configuration presets, the resumable pipeline, and its report. */
export * from './config';
export * from './pipeline';
export * from './report';
export { barFigureFisher } from './figures';
export * from './evaluate-run';
export * from './fisher';
export * from './fisher-runs';
export * from './fisher-arms';
export * from './arms';
