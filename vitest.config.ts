import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		pool: 'forks',
		reporters: ['default', './test/helpers/summary-reporter.ts'],
		testTimeout: 60_000,
		hookTimeout: 180_000,
		teardownTimeout: 60_000,
		projects: [
			{
				extends: true,
				test: {name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}']},
			},
			{
				extends: true,
				test: {name: 'integration', include: ['test/integration/**/*.test.{ts,tsx}']},
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['test/e2e/**/*.test.{ts,tsx}'],
					globalSetup: ['test/helpers/testnet-global-setup.ts'],
					// Tor processes are heavy on a 2-core machine: one e2e file at a time.
					fileParallelism: false,
				},
			},
		],
	},
});
