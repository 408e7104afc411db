import { defineConfig } from 'vitest/config';

/** End-to-end test files: they spawn processes or servers (CLI runs, git, Prometheus, Chromium) or take seconds. */
const E2E = 'test/**/*.e2e.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Its JSON schema is imported without an import attribute, which Node refuses outside a bundler.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [E2E],
          // In-process tests share one module graph per worker: loading cdk8s once per worker, not once per file,
          // is most of this project's time.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'e2e', include: [E2E] } },
    ],
  },
});
