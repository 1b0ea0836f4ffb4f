import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelClient } from '../../lib/notebook/kernel';

// What the notebook's Run All does: every cell's execute_request is sent at once. The project's
// launcher makes tslab handle them one after another, so the kernel indicator (driven by the
// busy/idle status messages) says busy for as long as any cell runs, and after a failure the cells
// already queued are aborted, not run.
describe('the project kernel under Run All (requests queued at once)', () => {
  const kernel = new KernelClient();
  beforeAll(() => kernel.start(), 120_000);
  afterAll(() => kernel.shutdown());

  it('handles the requests one after another: busy(i) comes after idle(i − 1), and each runs', async () => {
    const { results, statuses } = await kernel.executeQueued([
      'let order: number[] = []; await new Promise((r) => setTimeout(r, 300)); order.push(0);',
      'await new Promise((r) => setTimeout(r, 100)); order.push(1);',
      'order.push(2); console.log(order.join(","));',
    ], 120);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(results[2].outputs.map((o) => (o.output_type === 'stream' ? o.text : '')).join('')).toContain('0,1,2');
    expect(statuses.map(({ request, state }) => ({ request, state }))).toEqual([
      { request: 0, state: 'busy' }, { request: 0, state: 'idle' },
      { request: 1, state: 'busy' }, { request: 1, state: 'idle' },
      { request: 2, state: 'busy' }, { request: 2, state: 'idle' },
    ]);
  }, 180_000);

  it('says busy before a cell that holds the event loop starts (tslab compiles and runs a cell\'s first part synchronously)', async () => {
    const { results, statuses } = await kernel.executeQueued([
      'let spun = 0;',
      'const spinFrom = Date.now(); while (Date.now() - spinFrom < 1500) spun++;',
    ], 120);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    const at = (request: number, state: string) => statuses.find((s) => s.request === request && s.state === state)!.at;
    // without the launcher's flush, "busy" of the second request left only after the 1.5 s spin
    expect(at(1, 'idle') - at(1, 'busy')).toBeGreaterThan(1200);
  }, 180_000);

  it('aborts the requests queued behind a failing one, and runs the next one sent later', async () => {
    const { results } = await kernel.executeQueued([
      'let ranAfterFailure = false;',
      "await new Promise((r) => setTimeout(r, 200)); throw new Error('deliberate failure in a queued run');",
      'ranAfterFailure = true;',
      'ranAfterFailure = true;',
    ], 120);
    expect(results.map((r) => r.status)).toEqual(['ok', 'error', 'error', 'error']);
    expect(results[1].error).toContain('deliberate failure in a queued run');
    expect(results[2].error).toContain('aborted');
    expect(results[3].error).toContain('aborted');
    // a whole notebook's worth of queued cells behind the failure is aborted too (each abort takes
    // one event-loop turn in the launcher, well inside tslab's 200 ms before it lifts the abort)
    const many = await kernel.executeQueued(["throw new Error('second deliberate failure');", ...Array(40).fill('ranAfterFailure = true;')], 120);
    expect(many.results.slice(1).every((r) => r.status === 'error' && /aborted/.test(r.error ?? ''))).toBe(true);
    // tslab lifts the abort 200 ms after the failure; a request sent after that runs
    await new Promise((r) => setTimeout(r, 500));
    const later = await kernel.execute('console.log(`ran after failure: ${ranAfterFailure}`);', 60);
    expect(later.status).toBe('ok');
    expect(later.outputs.map((o) => (o.output_type === 'stream' ? o.text : '')).join('')).toContain('ran after failure: false');
  }, 180_000);
});
