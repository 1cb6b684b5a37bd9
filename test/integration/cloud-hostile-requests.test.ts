import {randomUUID} from 'node:crypto';
import {Redis} from 'ioredis';
import {describe, expect, it} from 'vitest';
import type {Client} from '../../source/core/client.js';
import {setupLeaseTestbed} from '../helpers/lease-harness.js';

const {redisUrl, newHarness} = setupLeaseTestbed();

const phaseMs = 5000;
/** How long a client uses each proxy: the proxies, not the CPU, bound the throughput. */
const useMs = 50;

/** Leases completed by `clients` in `ms`, each leasing, using for `useMs` and giving back one proxy after another. */
async function leaseThroughput(clients: Client[], ms: number): Promise<number> {
	const until = Date.now() + ms;
	let leases = 0;
	await Promise.all(clients.map(async client => {
		while (Date.now() < until) {
			// eslint-disable-next-line no-await-in-loop
			const proxy = await client.getProxy({timeoutMs: 20_000});
			leases++;
			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, useMs);
			});
			// eslint-disable-next-line no-await-in-loop
			await proxy.destroy();
		}
	}));
	return leases;
}

describe('hostile participants: forged requests from clients that never claim', () => {
	it('a flood of 10 forged proxy:request a second, each from a new UUID, costs real clients under 10% of their lease throughput', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 3});
		const clients = await Promise.all(Array.from({length: 4}, async () => harness.client()));
		// Four clients for three proxies: there is always one waiting. Warm up: every real client has leased once.
		await leaseThroughput(clients, 500);

		const baseline = await leaseThroughput(clients, phaseMs);
		const raw = new Redis(redisUrl(), {lazyConnect: true});
		await raw.connect();
		let forged = 0;
		const flood = setInterval(() => {
			forged++;
			void raw.publish(`${harness.namespace}:event:proxy:request`, JSON.stringify({event: 'proxy:request', UUID: randomUUID(), data: {requestId: randomUUID()}}));
		}, 100);
		let flooded: number;
		try {
			flooded = await leaseThroughput(clients, phaseMs);
		} finally {
			clearInterval(flood);
			raw.disconnect();
		}

		console.log(`lease throughput: ${baseline} leases in ${phaseMs} ms without a flood, ${flooded} with ${forged} forged requests (${(100 * (1 - (flooded / baseline))).toFixed(1)}% less); offers ${provider.stats.offers}`);
		expect(forged).toBeGreaterThanOrEqual(40);
		expect(baseline).toBeGreaterThan(20);
		// The goal is under 10%; the bound leaves room for a loaded machine (before the fix: 90% less).
		expect(flooded).toBeGreaterThan(baseline * 0.85);
	}, 60_000);
});
