import {rm} from 'node:fs/promises';
import {TorProcess, type TorProcessOptions} from '../tor/tor-process.js';

const tailLength = 8;

/**
 * Everything a testnet has started, so one `stop()` can end it, whether startup finished or not:
 * Tor processes (the product's TorProcess: it owns each Tor through TAKEOWNERSHIP, so Tor exits
 * with us; stopped all at once), other resources (echo and DNS servers) and the temporary directory.
 */
export class RunningNetwork {
	status: 'running' | 'stopping' | 'stopped' = 'running';
	/** Resolves with an error when a Tor process ends while the network is running. */
	readonly failed: Promise<Error>;
	private readonly processes = new Set<TorProcess>();
	/** `start()` calls not settled yet: stop() waits for them, or one could recreate its data directory after `rm`. */
	private readonly starting = new Set<Promise<void>>();
	private readonly cleanups: Array<() => Promise<void>> = [];
	private reportFailure: (error: Error) => void = () => undefined;
	private stopping: Promise<void> | undefined;

	constructor(readonly dir: string) {
		this.failed = new Promise(resolve => {
			this.reportFailure = resolve;
		});
	}

	/**
	 * Start a Tor process that belongs to the network: resolves once its control connection owns it.
	 * Tor ending on its own afterwards counts as a failure. `onLine` gets every line Tor prints.
	 */
	async start(name: string, options: TorProcessOptions, onLine?: (line: string) => void): Promise<TorProcess> {
		if (this.status !== 'running') {
			throw new Error(`cannot start ${name}: the network is ${this.status}`);
		}

		const tor = new TorProcess(options);
		const tail: string[] = [];
		tor.on('log', line => {
			tail.push(line);
			if (tail.length > tailLength) {
				tail.shift();
			}

			onLine?.(line);
		});
		tor.on('exit', exit => {
			if (this.status === 'running' && exit.reason === 'exited') {
				this.reportFailure(new Error(`${name} ended unexpectedly (code ${exit.exitCode}, signal ${exit.signal}):\n${tail.join('\n')}`));
			}
		});
		this.processes.add(tor);
		const started = tor.start();
		this.starting.add(started);
		try {
			await started;
		} finally {
			this.starting.delete(started);
		}

		return tor;
	}

	/** Stop one process early (the probe client) and forget it. */
	async stopProcess(tor: TorProcess): Promise<void> {
		await tor.stop();
		this.processes.delete(tor);
	}

	addCleanup(cleanup: () => Promise<void>): void {
		this.cleanups.push(cleanup);
	}

	pids(): number[] {
		return [...this.processes].flatMap(tor => (tor.pid === undefined ? [] : [tor.pid]));
	}

	/** SIGTERM every process (SIGKILL after 5 s), wait until all are gone, clean up, remove the directory. */
	async stop(): Promise<void> {
		this.stopping ??= (async () => {
			this.status = 'stopping';
			await Promise.all([...this.processes].map(async tor => tor.stop()));
			await Promise.allSettled(this.starting);
			await Promise.allSettled(this.cleanups.map(async cleanup => cleanup()));
			await rm(this.dir, {recursive: true, force: true, maxRetries: 3});
			this.status = 'stopped';
		})();
		return this.stopping;
	}
}
