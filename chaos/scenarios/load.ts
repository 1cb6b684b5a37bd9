import {setTimeout as sleep} from 'node:timers/promises';
import type {ChaosOptions, ScenarioResult} from '../scenario.js';
import {runScenario} from '../scenario.js';

/** Every receiver (providers and clients) throws away 20% of what it receives, for a minute. */
export async function messageLoss(options: ChaosOptions): Promise<ScenarioResult> {
	return runScenario('20% message loss at every receiver', options, async context => {
		const testDropRate = 0.2;
		await context.provider({count: 8, testDropRate});
		await context.provider({count: 8, testDropRate});
		const holders = [await context.client({hold: 3, testDropRate}), await context.client({hold: 3, testDropRate})];
		await context.client({churn: 2, holdMs: [100, 600], testDropRate});
		await context.client({churn: 2, holdMs: [100, 600], testDropRate});
		await context.waitHeld(6, {clients: holders, timeoutMs: 30_000});
		await context.pause(60_000);
		context.notes.push(`${context.ledger.leaseFailures} getProxy calls timed out (30 s)`);
	});
}

/** One provider with `manyLeases` proxies (memory pool), all leased by 10 clients and held with heartbeats. */
export async function manyLeases(options: ChaosOptions): Promise<ScenarioResult> {
	const count = options.manyLeases;
	return runScenario(`${count} leases held on one provider`, options, async context => {
		await context.provider({count});
		const started = Date.now();
		const clients = [];
		for (let index = 0; index < 10; index++) {
			// eslint-disable-next-line no-await-in-loop
			clients.push(await context.client({hold: Math.floor(count / 10) + (index < count % 10 ? 1 : 0)}));
		}

		const all = await context.waitHeld(count, {clients, since: started, timeoutMs: 120_000});
		if (all !== undefined) {
			context.notes.push(`all ${count} leased ${(all / 1000).toFixed(1)} s after the first client started`);
		}

		const heldFrom = Date.now();
		await context.pause(30_000);
		const held = context.ledger.held(clients);
		context.notes.push(`${held} of ${count} still held after ${Math.round((Date.now() - heldFrom) / 1000)} s of heartbeats`);
	});
}

/** Clients lease, hold a moment and give back, over and over, for `soakMs`; RSS sampled all along. */
export async function churnSoak(options: ChaosOptions): Promise<ScenarioResult> {
	const minutes = options.soakMs / 60_000;
	return runScenario(`churn soak ${minutes >= 1 ? `${Math.round(minutes)} min` : `${Math.round(options.soakMs / 1000)} s`}`, options, async context => {
		const providers = [await context.provider({count: 10}), await context.provider({count: 10})];
		const clients = [];
		for (let index = 0; index < 4; index++) {
			// eslint-disable-next-line no-await-in-loop
			clients.push(await context.client({churn: 3, holdMs: [20, 200]}));
		}

		await sleep(options.soakMs);
		// RSS of one provider and one client: the first minute against the last.
		const {samples} = context.usage;
		const window = Math.min(60_000, options.soakMs / 4);
		const mean = (name: string, from: number, to: number) => {
			const values = samples.filter(sample => sample.at >= from && sample.at < to && sample.rssMb[name] !== undefined).map(sample => sample.rssMb[name]!);
			return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
		};

		const first = samples[0]!.at;
		const last = Date.now();
		for (const worker of [providers[0]!, clients[0]!]) {
			const start = mean(worker.name, first + window, first + (2 * window));
			const end = mean(worker.name, last - window, last);
			context.notes.push(`RSS ${worker.role} ${start.toFixed(1)} → ${end.toFixed(1)} MB (second ${Math.round(window / 1000)} s against last)`);
		}
	});
}
