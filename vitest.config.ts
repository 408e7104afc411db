import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Its JSON schema is imported without an import attribute, which Node refuses outside a bundler.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
