import {performance} from 'node:perf_hooks';

/** Gives a lease back; resolves when its provider confirmed. */
export type Release = () => Promise<void>;

/** One client of a benchmark, nightcrawler's or the floor's: leases one proxy at a time. */
export type Leaser = {lease(): Promise<Release>};

/** Latencies (ms) of one measured run, and how long it took from its first request to its last answer. */
export type Run = {samples: number[]; durationMs: number};

/**
 * Every leaser asks at the same instant; when all have their lease, all give it back. Only the
 * leases are timed (ask to leased), not the giving back.
 */
export async function burst(leasers: readonly Leaser[]): Promise<Run> {
	const origin = performance.now();
	const samples: number[] = [];
	const releases = await Promise.all(leasers.map(async leaser => {
		const started = performance.now();
		const release = await leaser.lease();
		samples.push(performance.now() - started);
		return release;
	}));
	const durationMs = performance.now() - origin;
	await Promise.all(releases.map(async release => release()));
	return {samples, durationMs};
}

/**
 * Open loop: `total` requests at random moments (a Poisson process of `ratePerSecond`), drawn in
 * advance and each given to a leaser picked at random, so a slow lease does not hold back the
 * requests after it. A request whose leaser is still busy with the one before (leasing or giving
 * back) waits, and that wait counts in its latency.
 */
export async function openLoop(leasers: readonly Leaser[], total: number, ratePerSecond: number): Promise<Run> {
	const origin = performance.now() + 10;
	const timetables: number[][] = leasers.map(() => []);
	for (let index = 0, at = origin; index < total; index++) {
		at += (-Math.log(1 - Math.random()) * 1000) / ratePerSecond;
		timetables[Math.floor(Math.random() * leasers.length)]!.push(at);
	}

	const samples: number[] = [];
	let lastDone = origin;
	await Promise.all(leasers.map(async (leaser, index) => {
		for (const at of timetables[index]!) {
			let started = at;
			if (performance.now() < at) {
				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, at - performance.now());
				});
				// A timer fires a little late; that lateness is the timer's, not the lease's.
				started = performance.now();
			}

			// eslint-disable-next-line no-await-in-loop
			const release = await leaser.lease();
			const done = performance.now();
			samples.push(done - started);
			lastDone = Math.max(lastDone, done);
			// eslint-disable-next-line no-await-in-loop
			await release();
		}
	}));
	return {samples, durationMs: lastDone - origin};
}
