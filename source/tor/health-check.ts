import {setTimeout as delay} from 'node:timers/promises';
import type {TorControl} from './control/tor-control.js';
import {checkExit} from './exit-check.js';

export type HealthProbe = {
	control: TorControl;
	/**
	 * How long Tor's controller has to answer. Independent of how often the probe runs: a short
	 * interval must not make a healthy Tor on a busy machine look hung.
	 */
	timeoutMs: number;
	host: string;
	socksPort: number;
	checkUrl: string;
	checkTimeoutMs: number;
	/** The exit address the instance serves. */
	exitIp: string | undefined;
};

/**
 * What one probe found: Tor did not answer its controller in time; or it answered and a request
 * through it left from the expected exit address (`exit-ok`) or did not (`exit-failed`).
 */
export type Health = {kind: 'unresponsive'; error: unknown} | {kind: 'exit-ok'} | {kind: 'exit-failed'};

/** Ask Tor for its version (is it alive?), then check through it that traffic still leaves from the instance's exit. */
export async function probeHealth({control, timeoutMs, host, socksPort, checkUrl, checkTimeoutMs, exitIp}: HealthProbe): Promise<Health> {
	try {
		await control.command('GETINFO version', {timeoutMs});
	} catch (error) {
		return {kind: 'unresponsive', error};
	}

	try {
		const check = await checkExit({control, host, socksPort, checkUrl, timeoutMs: checkTimeoutMs});
		return check.ip === exitIp ? {kind: 'exit-ok'} : {kind: 'exit-failed'};
	} catch {
		return {kind: 'exit-failed'};
	}
}

/**
 * Run `task` every `intervalMs`, each run starting `intervalMs` after the previous one ended, so
 * runs never pile up behind a slow one. The timer does not keep the process alive. Returns the
 * function that stops it; a run in progress finishes.
 */
export function repeatEvery(intervalMs: number, task: () => Promise<void>): () => void {
	const abort = new AbortController();
	void (async () => {
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			await delay(intervalMs, undefined, {signal: abort.signal, ref: false});
			// eslint-disable-next-line no-await-in-loop
			await task().catch(() => undefined);
		}
	})().catch(() => undefined);
	return () => {
		abort.abort();
	};
}

/** Failed exit checks in a row after which the instance should pin another exit. */
const maxExitFailures = 2;

export type HealthWatch = {
	intervalMs: number;
	/** Runs each check in the instance's queue, so a check never overlaps a rotation. */
	serialize: (check: () => Promise<void>) => Promise<void>;
	/** The probe's inputs at the time of a check, or undefined to skip it (the instance is not serving). */
	probe: () => HealthProbe | undefined;
	/** Tor did not answer its controller in time. */
	onUnresponsive: (error: unknown) => Promise<void>;
	/** The exit failed `maxExitFailures` checks in a row. */
	onExitFailing: () => Promise<void>;
};

/** Probe an instance's health every `intervalMs` and say when it is hung or its exit fails. Returns the function that stops it. */
export function watchHealth({intervalMs, serialize, probe, onUnresponsive, onExitFailing}: HealthWatch): () => void {
	let failures = 0;
	return repeatEvery(intervalMs, async () => serialize(async () => {
		const inputs = probe();
		if (!inputs) {
			return;
		}

		const health = await probeHealth(inputs);
		if (health.kind === 'unresponsive') {
			await onUnresponsive(health.error);
			return;
		}

		failures = health.kind === 'exit-ok' ? 0 : failures + 1;
		if (failures >= maxExitFailures) {
			failures = 0;
			await onExitFailing();
		}
	}));
}
