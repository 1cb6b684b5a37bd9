import {setTimeout as sleep} from 'node:timers/promises';
import {Client, type ClientProxy} from '../../source/index.js';
import {onCommands, report, workerSettings} from './worker-io.js';

export type ClientWorkerSettings = {
	redis: string;
	namespace: string;
	/** Proxies kept leased (createProxy: renewed when a lease ends). */
	hold?: number;
	/** Loops that lease (getProxy), hold a while, give back, again. */
	churn?: number;
	/** How long a churned proxy is held, [min, max] ms. */
	holdMs?: [number, number];
	testDropRate?: number;
};

const settings = workerSettings<ClientWorkerSettings>();
const client = new Client({redis: settings.redis, namespace: settings.namespace, testDropRate: settings.testDropRate});
let running = true;

/** The holding of one lease ends: from now on this client does not use that proxy. */
function ended(proxy: ClientProxy, why: string): void {
	report('end', {leaseId: proxy.leaseId, why});
}

client.on('proxy-ready', proxy => {
	report('hold', {key: `${proxy.clusterId}/${proxy.proxyId}`, leaseId: proxy.leaseId});
});
client.on('proxy-end', (proxy, reason) => {
	ended(proxy, reason);
});
client.on('proxy-down', error => {
	ended(error.proxy, `down: ${error.reason}`);
});
client.on('proxy-error', () => undefined);
let offline = 0;
client.on('offline', () => {
	offline++;
});

async function churn(): Promise<void> {
	const [min, max] = settings.holdMs ?? [50, 500];
	while (running) {
		let proxy: ClientProxy;
		try {
			// eslint-disable-next-line no-await-in-loop
			proxy = await client.getProxy({timeoutMs: 30_000});
		} catch (error) {
			if (running) {
				report('lease-failed', {error: error instanceof Error ? error.name : String(error)});
			}

			continue;
		}

		// eslint-disable-next-line no-await-in-loop
		await sleep(min + (Math.random() * (max - min)));
		ended(proxy, 'destroy');
		// eslint-disable-next-line no-await-in-loop
		await proxy.destroy().catch(() => undefined);
	}
}

onCommands(command => {
	if (command.cmd === 'status') {
		report('status', {held: client.proxies().length, dropped: client.stats.dropped, delivered: client.stats.delivered, offline});
	}
}, async () => {
	running = false;
	for (const proxy of client.proxies()) {
		ended(proxy, 'close');
	}

	await client.close();
});
await client.start();
report('ready', {id: client.id, pid: process.pid});
for (let index = 0; index < (settings.hold ?? 0); index++) {
	client.createProxy();
}

for (let index = 0; index < (settings.churn ?? 0); index++) {
	void churn();
}
