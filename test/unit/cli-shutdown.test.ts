import {afterEach, describe, expect, it, vi} from 'vitest';
import {Shutdown} from '../../source/cli/shutdown.js';
import {UsageError} from '../../source/cli/usage-error.js';

/** Every instance a test made, so afterEach removes the process listeners it added. */
const created: Shutdown[] = [];

function harness() {
	const lines: string[] = [];
	const exit = vi.fn<(code: number) => void>();
	const setExitCode = vi.fn<(code: number) => void>();
	const shutdown = new Shutdown({write: line => lines.push(line), exit, setExitCode, lingerMs: 60_000});
	created.push(shutdown);
	return {shutdown, lines, exit, setExitCode};
}

describe('Shutdown', () => {
	afterEach(() => {
		for (const shutdown of created.splice(0)) {
			shutdown.unlisten();
		}
	});

	it('runs steps last-registered first, the last steps after them, once', async () => {
		const {shutdown, setExitCode} = harness();
		const order: string[] = [];
		shutdown.deferLast('screen', () => order.push('screen'));
		shutdown.defer('redis-server', () => order.push('redis-server'));
		shutdown.defer('client', async () => {
			order.push('client');
		});
		const first = shutdown.shutdown('quit');
		const second = shutdown.shutdown('SIGTERM', 143);
		expect(shutdown.status).toBe('stopping');
		await Promise.all([first, second]);
		expect(order).toEqual(['client', 'redis-server', 'screen']);
		expect(shutdown.reason).toBe('quit');
		expect(shutdown.status).toBe('stopped');
		expect(setExitCode).toHaveBeenCalledExactlyOnceWith(0);
	});

	it('aborts its signal when it begins, so work still starting gives up', async () => {
		const {shutdown} = harness();
		expect(shutdown.signal.aborted).toBe(false);
		const done = shutdown.shutdown('stdout-closed');
		expect(shutdown.signal.aborted).toBe(true);
		await done;
	});

	it('goes on after a failing or hanging step, says so in one line, and exits 1', async () => {
		const {shutdown, lines, setExitCode} = harness();
		const ran: string[] = [];
		shutdown.defer('first', () => ran.push('first'));
		shutdown.defer('hanging', async () => new Promise(() => undefined), {timeoutMs: 50});
		shutdown.defer('failing', () => {
			throw new Error('boom\nsecond line');
		});
		await shutdown.shutdown('quit');
		expect(ran).toEqual(['first']);
		expect(lines).toEqual(['nightcrawler: while stopping failing: boom', 'nightcrawler: while stopping hanging: gave up waiting for hanging after 0.05 s']);
		expect(setExitCode).toHaveBeenCalledWith(1);
	});

	it('runs a step registered after shutdown at once', async () => {
		const {shutdown} = harness();
		await shutdown.shutdown('quit');
		const late = vi.fn();
		shutdown.defer('late', late);
		await vi.waitFor(() => {
			expect(late).toHaveBeenCalledOnce();
		});
	});

	it('reports an error in one line with its exit code, and only the first', async () => {
		const {shutdown, lines, setExitCode} = harness();
		await shutdown.fail(new UsageError('unknown flag --foo'));
		expect(lines).toEqual(['nightcrawler: unknown flag --foo (see nightcrawler --help)']);
		expect(shutdown.error).toBe('unknown flag --foo (see nightcrawler --help)');
		expect(setExitCode).toHaveBeenCalledWith(2);
		await shutdown.fail(new Error('after the fact'));
		expect(lines).toHaveLength(1);
	});

	it('reports an error raised while stopping (an unhandled rejection during q), and ends with 1, not 0', async () => {
		const {shutdown, lines, setExitCode} = harness();
		shutdown.defer('client', () => {
			void shutdown.fail(new Error('late rejection\nsecond line'));
		});
		await shutdown.shutdown('quit');
		expect(lines).toEqual(['nightcrawler: late rejection']);
		expect(shutdown.exitCode).toBe(1);
		expect(setExitCode).toHaveBeenCalledExactlyOnceWith(1);
	});

	it('takes a command that gave up because the shutdown began (it threw the signal\'s reason) as no failure', async () => {
		const {shutdown, lines, setExitCode} = harness();
		const waiting = new Promise<void>((_resolve, reject) => {
			shutdown.signal.addEventListener('abort', () => {
				reject(shutdown.signal.reason);
			});
		}).catch(async (error: unknown) => shutdown.fail(error));
		// A step that takes a while (giving the leases back), so the command's rejection comes while stopping.
		shutdown.defer('client', async () => new Promise(resolve => {
			setTimeout(resolve, 20);
		}));
		await shutdown.shutdown('stdout-closed');
		await waiting;
		expect(lines).toEqual([]);
		expect(setExitCode).toHaveBeenCalledExactlyOnceWith(0);
	});

	it('keeps a non-zero exit code when an error is raised while stopping', async () => {
		const {shutdown, lines, setExitCode} = harness();
		shutdown.defer('client', () => {
			void shutdown.fail(new Error('late rejection'));
		});
		await shutdown.shutdown('SIGTERM', 143);
		expect(lines).toEqual(['nightcrawler: late rejection']);
		expect(setExitCode).toHaveBeenCalledExactlyOnceWith(143);
	});

	it('listens for crashes only, for a command that handles signals itself', async () => {
		const {shutdown, lines, setExitCode} = harness();
		const signals = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map(signal => process.listenerCount(signal));
		const before = {signals: signals(), crashes: process.listenerCount('uncaughtException'), rejections: process.listenerCount('unhandledRejection')};
		shutdown.listenForCrashes();
		expect(signals()).toEqual(before.signals);
		expect(process.listenerCount('unhandledRejection')).toBe(before.rejections + 1);
		expect(process.listenerCount('uncaughtException')).toBe(before.crashes + 1);
		const onCrash = process.listeners('uncaughtException').at(-1)!;
		onCrash(new Error('write EPIPE'), 'uncaughtException');
		expect(shutdown.signal.aborted).toBe(true);
		await shutdown.shutdown('done');
		expect(lines).toEqual(['nightcrawler: write EPIPE']);
		expect(setExitCode).toHaveBeenCalledExactlyOnceWith(1);
		shutdown.unlisten();
		expect(process.listenerCount('uncaughtException')).toBe(before.crashes);
	});

	it('shuts down in silence when stderr fails (EPIPE), rather than failing again at each notice', async () => {
		const {shutdown, lines, setExitCode} = harness();
		const before = process.stderr.listenerCount('error');
		shutdown.listenForCrashes();
		expect(process.stderr.listenerCount('error')).toBe(before + 1);
		process.stderr.emit('error', Object.assign(new Error('write EPIPE'), {code: 'EPIPE'}));
		void shutdown.fail(new Error('a later error'));
		await shutdown.shutdown('done');
		expect(lines).toEqual([]);
		expect(setExitCode).toHaveBeenCalledExactlyOnceWith(1);
		shutdown.unlisten();
		expect(process.stderr.listenerCount('error')).toBe(before);
	});

	it('shuts down on SIGTERM with 143, and forces the exit on a second signal', async () => {
		const {shutdown, exit, setExitCode} = harness();
		const killed = vi.fn();
		shutdown.onForce(killed);
		let release: (() => void) | undefined;
		shutdown.defer('slow', async () => new Promise<void>(resolve => {
			release = resolve;
		}));
		shutdown.listen();
		process.emit('SIGTERM');
		expect(shutdown.reason).toBe('SIGTERM');
		process.emit('SIGINT');
		expect(killed).toHaveBeenCalledOnce();
		expect(exit).toHaveBeenCalledWith(130);
		await vi.waitFor(() => {
			expect(release).toBeDefined();
		});
		release?.();
		await shutdown.shutdown('quit');
		expect(setExitCode).toHaveBeenCalledWith(143);
	});

	it('lets a signal hook take signals (run forwards them to its command)', () => {
		const {shutdown} = harness();
		const forwarded: string[] = [];
		shutdown.signalHook = signal => {
			forwarded.push(signal);
			return true;
		};

		shutdown.listen();
		process.emit('SIGINT');
		process.emit('SIGHUP');
		expect(forwarded).toEqual(['SIGINT', 'SIGHUP']);
		expect(shutdown.started).toBe(false);
	});

	it('removes every process listener it added', async () => {
		const {shutdown} = harness();
		const before = process.listenerCount('SIGTERM') + process.listenerCount('unhandledRejection');
		shutdown.listen();
		await shutdown.shutdown('quit');
		shutdown.unlisten();
		expect(process.listenerCount('SIGTERM') + process.listenerCount('unhandledRejection')).toBe(before);
	});

	it('quits on the first quit key and exits at once on the next', async () => {
		const {shutdown, exit} = harness();
		shutdown.defer('slow', async () => new Promise(() => undefined), {timeoutMs: 50});
		shutdown.quit();
		expect(shutdown.reason).toBe('quit');
		expect(exit).not.toHaveBeenCalled();
		shutdown.quit();
		expect(exit).toHaveBeenCalledWith(130);
		await shutdown.shutdown('quit');
	});

	it('prints the notices shown on a full-screen view again once it is gone', () => {
		const {shutdown, lines} = harness();
		shutdown.notice('before');
		shutdown.screenMounted();
		shutdown.notice('cannot reach Redis');
		shutdown.screenUnmounted();
		expect(lines).toEqual(['nightcrawler: before', 'nightcrawler: cannot reach Redis', 'nightcrawler: cannot reach Redis']);
	});
});
