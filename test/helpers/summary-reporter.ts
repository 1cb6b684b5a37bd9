import type {Reporter, TestModule} from 'vitest/node';

/**
 * Ends the run's output with one plain line, `Tests: N passed, N failed, N skipped`, after
 * vitest's own summary, so CI logs close on a summary any tool can read.
 */
export default class SummaryReporter implements Reporter {
	onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[]): void {
		const counts = {passed: 0, failed: 0, skipped: 0};
		for (const module of testModules) {
			for (const test of module.children.allTests()) {
				const {state} = test.result();
				if (state === 'passed' || state === 'failed') {
					counts[state]++;
				} else {
					counts.skipped++;
				}
			}

			// A file that failed to load (or a hook that failed) has no failed test to count.
			if (module.state() === 'failed' && [...module.children.allTests()].every(test => test.result().state !== 'failed')) {
				counts.failed++;
			}
		}

		counts.failed += unhandledErrors.length;
		// After vitest's summary, which it prints in the same hook.
		setImmediate(() => {
			process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
		});
	}
}
