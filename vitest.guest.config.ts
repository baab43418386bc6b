import { defineConfig } from 'vitest/config';

/** Slow tests that boot the real guest in v86 (Node); `npm test` runs them after the unit tests. */
export default defineConfig({
  test: {
    include: ['test/guest/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
