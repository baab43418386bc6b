import { defineConfig } from 'vitest/config';
import { packageAliases } from './vite.config.ts';

export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
  },
});
