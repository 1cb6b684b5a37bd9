import {afterEach, describe, expect, it} from 'vitest';
import {TorControlTimeoutError} from '../../source/tor/control/errors/tor-control-timeout-error.js';
import {TorControl} from '../../source/tor/control/tor-control.js';
import {type HealthProbe, probeHealth, repeatEvery, watchHealth} from '../../source/tor/health-check.js';
import {freePort} from '../../source/util/free-port.js';
import {type Responder, startFakeControlPort} from '../fixtures/tor-control/fake-control-port.js';
import {waitFor} from '../helpers/wait-for.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) {
		// eslint-disable-next-line no-await-in-loop
		await cleanup();
	}
});

/** A control connection to a fake port, and probe inputs whose SOCKS port has nothing behind it (every exit check fails). */
async function probeOf(respond: Responder, timeoutMs: number): Promise<{probe: HealthProbe; received: string[]; push(bytes: string): void}> {
	const server = await startFakeControlPort(respond);
	cleanups.push(async () => server.close());
	const control = new TorControl({host: '127.0.0.1', port: server.port});
	cleanups.push(async () => control.close());
	await control.connect();
	const probe = {control, timeoutMs, host: '127.0.0.1', socksPort: await freePort(), checkUrl: 'http://127.0.0.1:9/', checkTimeoutMs: 5000, exitIp: '198.51.100.1'};
	return {probe, received: server.received, push: bytes => server.push(bytes)};
}

const version = '250-version=0.4.9.11\r\n250 OK\r\n';

describe('probeHealth', () => {
	it('calls a Tor that does not answer within the health timeout unresponsive', async () => {
		const {probe} = await probeOf(() => undefined, 200);
		const health = await probeHealth(probe);
		expect(health.kind).toBe('unresponsive');
		expect(health.kind === 'unresponsive' && health.error).toBeInstanceOf(TorControlTimeoutError);
	});

	it('goes on to the exit check once Tor answers', async () => {
		const {probe} = await probeOf(line => (line === 'GETINFO version' ? {reply: version} : undefined), 30_000);
		expect(await probeHealth(probe)).toEqual({kind: 'exit-failed'});
	});
});

describe('watchHealth', () => {
	it('waits the health timeout, not the interval, for a slow answer', async () => {
		// Tor answers only once the test says so; the interval is far shorter than that.
		let answering = false;
		const {probe, received, push} = await probeOf(line => (answering && line === 'GETINFO version' ? {reply: version} : undefined), 60_000);
		const unresponsive: unknown[] = [];
		let exitFailing = 0;
		const stop = watchHealth({
			intervalMs: 10,
			serialize: async check => check(),
			probe: () => probe,
			async onUnresponsive(error) {
				unresponsive.push(error);
			},
			async onExitFailing() {
				exitFailing++;
			},
		});
		cleanups.push(stop);
		await waitFor(() => received.includes('GETINFO version'), {timeoutMs: 30_000, message: 'the first probe'});
		// Ten intervals and more pass with the question unanswered; checks do not pile up meanwhile.
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
		expect(received).toEqual(['GETINFO version']);
		// Answer it, and every later probe at once; every exit check fails (nothing behind the SOCKS port).
		answering = true;
		push(version);
		await waitFor(() => exitFailing > 0, {timeoutMs: 30_000, message: 'two failed exit checks'});
		expect(unresponsive).toEqual([]);
	});
});

describe('repeatEvery', () => {
	it('never runs a task while the previous run is still going, and stops', async () => {
		let running = 0;
		let overlapped = false;
		let runs = 0;
		const stop = repeatEvery(1, async () => {
			overlapped ||= running > 0;
			running++;
			runs++;
			await new Promise(resolve => {
				setTimeout(resolve, 20);
			});
			running--;
		});
		cleanups.push(stop);
		await waitFor(() => runs >= 3, {timeoutMs: 30_000, message: 'three runs'});
		stop();
		await waitFor(() => running === 0, {timeoutMs: 30_000, message: 'the last run to end'});
		const after = runs;
		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
		expect(runs).toBe(after);
		expect(overlapped).toBe(false);
	});
});
