import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {afterEach, describe, expect, it} from 'vitest';
import {Termination, terminate, terminationOf} from '../../source/util/terminate.js';

const children: ChildProcess[] = [];
afterEach(() => {
	for (const child of children.splice(0)) {
		child.kill('SIGKILL');
	}
});

/** A node child that says "ready" once it runs (and, when stubborn, once it ignores SIGTERM). */
async function startChild(stubborn: boolean): Promise<ChildProcess> {
	const ignore = stubborn ? 'process.on("SIGTERM", () => {});' : '';
	const child = spawn(process.execPath, ['-e', `${ignore} console.log("ready"); setInterval(() => {}, 1000);`], {stdio: ['ignore', 'pipe', 'ignore']});
	children.push(child);
	await new Promise<void>((resolve, reject) => {
		child.stdout?.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes('ready')) {
				resolve();
			}
		});
		child.once('exit', () => {
			reject(new Error('the child exited before it was ready'));
		});
	});
	return child;
}

describe('Termination', () => {
	it('ends a process with SIGTERM alone when that is enough', async () => {
		const child = await startChild(false);
		const termination = new Termination<'stopped'>();
		await termination.terminate(child, 'stopped', {timeoutMs: 60_000});
		expect(child.signalCode).toBe('SIGTERM');
		expect(termination.killed).toBe(false);
		expect(termination.reason).toBe('stopped');
	});

	it('sends SIGKILL once the timeout passes, and says so', async () => {
		const child = await startChild(true);
		const termination = new Termination<'stopped'>();
		await termination.terminate(child, 'stopped', {timeoutMs: 100});
		expect(child.signalCode).toBe('SIGKILL');
		expect(termination.killed).toBe(true);
	});

	it('keeps the first reason recorded', async () => {
		const child = await startChild(false);
		const termination = new Termination<'start-failed' | 'stopped' | 'exited'>();
		expect(termination.reason).toBeUndefined();
		expect(termination.record('start-failed')).toBe('start-failed');
		await termination.terminate(child, 'stopped');
		expect(termination.record('exited')).toBe('start-failed');
		expect(termination.reason).toBe('start-failed');
	});

	it('is idempotent, and safe on a process already gone', async () => {
		const child = await startChild(true);
		const termination = new Termination();
		const first = termination.terminate(child, 'stopped', {timeoutMs: 100});
		const second = termination.terminate(child, 'other', {timeoutMs: 60_000});
		await Promise.all([first, second]);
		expect(termination.killed).toBe(true);
		expect(termination.reason).toBe('stopped');
		await new Termination().terminate(child, 'again');
	});
});

describe('terminate', () => {
	it('shares one termination per child, so a second call waits for the first and keeps its reason', async () => {
		const child = await startChild(true);
		const exited = once(child, 'exit');
		const first = terminate(child, {timeoutMs: 100, reason: 'lease-ended'});
		const second = terminate(child);
		await Promise.all([first, second]);
		await exited;
		expect(terminationOf(child).reason).toBe('lease-ended');
		expect(terminationOf(child).killed).toBe(true);
	});

	it('resolves at once for a process that never started', async () => {
		const child = spawn('/nonexistent/command', {stdio: 'ignore'});
		await once(child, 'error');
		await terminate(child);
		expect(terminationOf(child).killed).toBe(false);
	});
});
