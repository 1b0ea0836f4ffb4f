import { defineConfig } from 'vitest/config';

// Tests mirror lib/ under test/. Numerics tests can be heavy on a 2-core machine,
// so keep generous per-test timeouts and run files in forked processes (tfjs
// backends are process-global state).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
