/** `npm test`: every test under test/ except the reliability suite. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // oclif writes through process.stdout; vitest would otherwise swallow it.
    disableConsoleIntercept: true,
    // Tests live under test/, mirroring src/; the reliability suite has its own config (long runs).
    include: ['test/**/*.test.ts'],
    exclude: ['test/reliability/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: engine and emulator tests are heavy; keep parallelism modest.
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
  },
});
