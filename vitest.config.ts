import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn CLIs and use sharp's threads; two cores are all there is.
    maxWorkers: 2,
    reporters: ['default'],
  },
})
