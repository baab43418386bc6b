import { defineConfig } from '@playwright/test';
import { chromiumPath, chromiumTestArgs } from './e2e/chromium.ts';
import { appPort, devPort } from './e2e/servers.ts';

/** The specs that load the whole machine. */
const HEAVY = ['**/consumer.spec.ts', '**/demo-3d.spec.ts', '**/desktop.spec.ts', '**/example-desktop.spec.ts', '**/offline-3d.spec.ts', '**/firefox.spec.ts', '**/gl-guest.spec.ts', '**/glmark2.spec.ts', '**/piglit.spec.ts', '**/replay-cli.spec.ts', '**/virgl-replay.spec.ts'];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  workers: 2,
  forbidOnly: !!process.env.CI,
  outputDir: 'test-results/e2e',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${devPort}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: chromiumTestArgs },
  },
  projects: [
    { name: 'chromium', testIgnore: HEAVY },
    // Packing, installing and building a project, a second browser on llvmpipe, the 3d guest, or replaying 3D sessions on
    // SwiftShader take both cores for minutes:
    // they run after the rest, so the tests that measure the guest's pace never share the machine with them.
    { name: 'heavy', testMatch: HEAVY, dependencies: ['chromium'] },
  ],
  webServer: [
    {
      command: `npx vite --port ${devPort} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${devPort}/e2e/pages/presenter.html`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      // The offline app as `npm run build` makes it, served as a user would serve it.
      command: `node scripts/build.mjs && npx vite preview --port ${appPort} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${appPort}/manifest.webmanifest`,
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: 'ignore',
    },
  ],
});
