import {setTimeout as sleep} from 'node:timers/promises';
import {Redis} from 'ioredis';
import {HostileMessages, type Captured} from '../hostile-messages.js';
import type {ChaosOptions, ScenarioResult} from '../scenario.js';
import {runScenario} from '../scenario.js';

/**
 * `hostileMessages` hostile messages at two providers and three clients while they lease: first
 * real traffic is captured from the bus (PSUBSCRIBE, as anyone with full Redis rights can), then
 * the mix of HostileMessages is published in batches, about 2,000 a second.
 */
export async function hostileBus(options: ChaosOptions): Promise<ScenarioResult> {
	const total = options.hostileMessages;
	return runScenario(`${total.toLocaleString('en-US')} hostile bus messages`, options, async context => {
		const providers = [await context.provider({count: 8}), await context.provider({count: 8})];
		const holder = await context.client({hold: 4});
		const churners = [await context.client({churn: 2, holdMs: [100, 600]}), await context.client({churn: 2, holdMs: [100, 600]})];
		await context.waitHeld(4, {clients: [holder], timeoutMs: 30_000});

		const url = context.fleet.redis!.url;
		const listener = new Redis(url);
		const captured: Captured[] = [];
		listener.on('pmessage', (_pattern: string, channel: string, text: string) => {
			if (captured.length < 2000) {
				captured.push({channel, text});
			}
		});
		await listener.psubscribe(`${context.namespace}:*`);
		const calmFrom = {at: Date.now(), served: context.ledger.served};
		await context.pause(5000);
		listener.disconnect();
		const calmRate = (context.ledger.served - calmFrom.served) / ((Date.now() - calmFrom.at) / 1000);

		const messages = new HostileMessages(captured, {namespace: context.namespace, providers: providers.map(worker => worker.id), clients: [holder, ...churners].map(worker => worker.id)});
		const publisher = new Redis(url, {maxRetriesPerRequest: 1});
		publisher.on('error', () => undefined);
		const kinds = new Map<string, number>();
		let failed = 0;
		const batch = 200;
		const started = Date.now();
		const servedBefore = context.ledger.served;
		for (let sent = 0; sent < total; sent += batch) {
			const pipeline = publisher.pipeline();
			for (let index = 0; index < Math.min(batch, total - sent); index++) {
				const message = messages.next();
				kinds.set(message.kind, (kinds.get(message.kind) ?? 0) + 1);
				pipeline.publish(message.channel, message.payload);
			}

			// eslint-disable-next-line no-await-in-loop
			const results = await pipeline.exec().catch(() => undefined);
			failed += results ? results.filter(([error]) => error).length : batch;
			// About 2,000 a second: hostile, but leaving the 2 cores to the processes under attack.
			const due = started + ((sent + batch) / 2) ;
			// eslint-disable-next-line no-await-in-loop
			await sleep(Math.max(0, due - Date.now()));
		}

		publisher.disconnect();
		const seconds = (Date.now() - started) / 1000;
		context.notes.push(`leases served ${calmRate.toFixed(1)}/s before the attack, ${((context.ledger.served - servedBefore) / seconds).toFixed(1)}/s during it`);
		context.notes.push(`sent ${total - failed} in ${seconds.toFixed(0)} s (${captured.length} real messages captured first): ${[...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
		await context.pause(3000);
		await context.askStatus([...providers, holder, ...churners]);
		const dropped = new Map<string, number>();
		for (const worker of [...providers, holder, ...churners]) {
			const counts = (context.status.get(worker.name)?.dropped ?? {}) as Record<string, number>;
			for (const [reason, count] of Object.entries(counts)) {
				dropped.set(reason, (dropped.get(reason) ?? 0) + count);
			}
		}

		context.notes.push(`dropped by the receivers: ${[...dropped].filter(([, count]) => count > 0).map(([reason, count]) => `${reason} ${count}`).join(', ')}`);
		const forged = providers.reduce((sum, worker) => sum + Number(context.status.get(worker.name)?.forged ?? 0), 0);
		const offline = [...providers, holder, ...churners].reduce((sum, worker) => sum + Number(context.status.get(worker.name)?.offline ?? 0), 0);
		context.notes.push(`providers counted ${forged} forged; Redis closed a receiver's connection ${offline} times (output buffer)`);
	});
}
