import {burst, openLoop, type Leaser, type Run} from './fleet.js';
import {FloorFleet} from './floor-bench.js';
import {NightcrawlerFleet} from './lease-bench.js';
import {quantile, round} from './stats.js';

export type Figures = {p50Ms: number; p99Ms: number};

export type ComparedBenchResult = {
	leases: number;
	/** Bursts: every client asks at the same instant. */
	burst: Figures;
	burstFloor: Figures;
	messagesPerLease: number;
	/** Open loop: the same clients asking at random moments. */
	open: Figures & {ratePerSecond: number; leases: number};
	openFloor: Figures & {ratePerSecond: number};
};

/** Rounds of the open loop are run in blocks of this many bursts' worth of leases. */
const roundsPerBlock = 5;

function figures(runs: readonly Run[]): Figures & {ratePerSecond: number; leases: number} {
	const samples = runs.flatMap(run => run.samples);
	const durationMs = runs.reduce((sum, run) => sum + run.durationMs, 0);
	return {p50Ms: round(quantile(samples, 0.5)), p99Ms: round(quantile(samples, 0.99)), ratePerSecond: round((samples.length * 1000) / durationMs, 0), leases: samples.length};
}

/**
 * nightcrawler and its floor, measured side by side in the same run: `clients` nightcrawler
 * clients with their provider, and as many floor clients with theirs, all connected at once.
 * Their rounds alternate (in turn first), so whatever else the machine does at a moment weighs on
 * both alike and their ratio holds even when the absolute figures move.
 *
 * Bursts: `warmup` unmeasured rounds (V8 compiles the hot paths), then `rounds` measured ones, each
 * every client asking at once; every lease is given back between rounds. Open loop: `clients *
 * rounds` leases each, asked at random moments, `rate` a second in all, in alternating blocks.
 */
export async function comparedBench({url, clients, rounds, warmup, rate}: {url: string; clients: number; rounds: number; warmup: number; rate: number}): Promise<ComparedBenchResult> {
	const nightcrawler = new NightcrawlerFleet(url, clients);
	const floor = new FloorFleet(url, clients);
	try {
		await Promise.all([nightcrawler.start(), floor.start()]);
		const inTurn = async (index: number, run: (leasers: readonly Leaser[]) => Promise<Run>): Promise<[Run, Run]> => {
			if (index % 2 === 0) {
				const ours = await run(nightcrawler.leasers);
				return [ours, await run(floor.leasers)];
			}

			const theirs = await run(floor.leasers);
			return [await run(nightcrawler.leasers), theirs];
		};

		for (let index = 0; index < warmup; index++) {
			// eslint-disable-next-line no-await-in-loop
			await inTurn(index, burst);
		}

		const deliveredBefore = await nightcrawler.delivered();
		const bursts: Array<[Run, Run]> = [];
		for (let index = 0; index < rounds; index++) {
			// eslint-disable-next-line no-await-in-loop
			bursts.push(await inTurn(index, burst));
		}

		const messages = (await nightcrawler.delivered()) - deliveredBefore;
		const blocks: Array<[Run, Run]> = [];
		for (let done = 0; done < rounds; done += roundsPerBlock) {
			const total = clients * Math.min(roundsPerBlock, rounds - done);
			// eslint-disable-next-line no-await-in-loop
			blocks.push(await inTurn(done / roundsPerBlock, async leasers => openLoop(leasers, total, rate)));
		}

		const ours = figures(bursts.map(([run]) => run));
		const open = figures(blocks.map(([run]) => run));
		const openFloor = figures(blocks.map(([, run]) => run));
		return {
			leases: ours.leases,
			burst: {p50Ms: ours.p50Ms, p99Ms: ours.p99Ms},
			burstFloor: figures(bursts.map(([, run]) => run)),
			messagesPerLease: round(messages / ours.leases, 2),
			open,
			openFloor: {p50Ms: openFloor.p50Ms, p99Ms: openFloor.p99Ms, ratePerSecond: openFloor.ratePerSecond},
		};
	} finally {
		await Promise.all([nightcrawler.stop(), floor.stop()]);
	}
}
