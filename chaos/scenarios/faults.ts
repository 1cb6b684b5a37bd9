import type {ChaosOptions, ScenarioResult} from '../scenario.js';
import {runScenario, type ScenarioContext} from '../scenario.js';

/** Two providers of 8, two clients keeping 4 each, one client churning: the common cast. */
async function cast(context: ScenarioContext) {
	const providers = [await context.provider({count: 8}), await context.provider({count: 8})];
	const holders = [await context.client({hold: 4}), await context.client({hold: 4})];
	const churner = await context.client({churn: 2, holdMs: [100, 600]});
	if ((await context.waitHeld(8, {clients: holders, timeoutMs: 30_000})) === undefined) {
		throw new Error('the clients never held their 8 proxies');
	}

	return {providers, holders, churner};
}

/** SIGSTOP the redis-server for 10 s, then SIGCONT: every connection stays open, nothing moves. */
export async function redisPaused(options: ChaosOptions): Promise<ScenarioResult> {
	return runScenario('Redis paused 10 s (SIGSTOP)', options, async context => {
		const {holders} = await cast(context);
		await context.pause(3000);
		const pid = context.fleet.redis!.pid!;
		process.kill(pid, 'SIGSTOP');
		await context.pause(10_000);
		process.kill(pid, 'SIGCONT');
		const resumed = Date.now();
		context.recoveryMs = await context.waitHeld(8, {clients: holders, since: resumed, settleMs: 8000});
		await context.pause(5000);
	});
}

/** SIGKILL the redis-server and start another on the same port at once. */
export async function redisRestarted(options: ChaosOptions): Promise<ScenarioResult> {
	return runScenario('Redis killed and restarted', options, async context => {
		const {holders} = await cast(context);
		await context.pause(3000);
		await context.fleet.restartRedis();
		const back = Date.now();
		context.recoveryMs = await context.waitHeld(8, {clients: holders, since: back, settleMs: 8000});
		await context.pause(5000);
	});
}

/** SIGKILL the provider that holds the most leases; its clients lease again from the other. */
export async function providerKilled(options: ChaosOptions): Promise<ScenarioResult> {
	return runScenario('provider SIGKILL', options, async context => {
		const {providers, holders} = await cast(context);
		await context.pause(3000);
		await context.providerLeases();
		const [victim] = [...providers].sort((a, b) => Number(context.status.get(b.name)?.leases ?? 0) - Number(context.status.get(a.name)?.leases ?? 0));
		const at = Date.now();
		await context.kill(victim!);
		context.recoveryMs = await context.waitHeld(8, {clients: holders, since: at, settleMs: 8000});
		await context.pause(3000);
		// A provider comes back (a new instance): its proxies join the pool.
		await context.provider({count: 8});
		await context.pause(3000);
	});
}

/** SIGKILL a client that holds 4 of 6 proxies; another that wants 4 gets them once its leases are taken back. */
export async function clientKilled(options: ChaosOptions): Promise<ScenarioResult> {
	return runScenario('client SIGKILL', options, async context => {
		await context.provider({count: 6});
		const victim = await context.client({hold: 4});
		if ((await context.waitHeld(4, {clients: [victim], timeoutMs: 30_000})) === undefined) {
			throw new Error('the first client never held its 4 proxies');
		}

		const waiting = await context.client({hold: 4});
		await context.waitHeld(2, {clients: [waiting], timeoutMs: 30_000});
		await context.pause(2000);
		const at = Date.now();
		await context.kill(victim);
		context.recoveryMs = await context.waitHeld(4, {clients: [waiting], since: at, settleMs: 8000});
		await context.pause(3000);
	});
}
