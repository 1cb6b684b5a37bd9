import {rm} from 'node:fs/promises';
import type {Ownership} from './take-ownership.js';
import {TorProcess, type TorProcessOptions} from './tor-process.js';

/**
 * Everything a testnet has started, so one `stop()` can end it, whether startup finished or not:
 * Tor processes (stopped all at once), control connections, other resources (the echo server) and
 * the temporary directory.
 */
export class RunningNetwork {
	status: 'running' | 'stopping' | 'stopped' = 'running';
	/** Resolves with an error when a Tor process ends while the network is running. */
	readonly failed: Promise<Error>;
	private readonly processes = new Set<TorProcess>();
	private readonly ownerships: Ownership[] = [];
	private readonly cleanups: Array<() => Promise<void>> = [];
	private reportFailure: (error: Error) => void = () => undefined;
	private stopping: Promise<void> | undefined;

	constructor(readonly dir: string) {
		this.failed = new Promise(resolve => {
			this.reportFailure = resolve;
		});
	}

	/** Start a Tor process that belongs to the network. Tor ending on its own counts as a failure. */
	spawn(options: TorProcessOptions): TorProcess {
		const tor = new TorProcess(options);
		this.processes.add(tor);
		void tor.exited.then(exit => {
			if (this.status === 'running' && exit.reason !== 'stopped') {
				const recent = tor.recentLines().slice(-8).join('\n');
				this.reportFailure(new Error(`${tor.name} ended unexpectedly: ${exit.message}\n${recent}`));
			}
		});
		return tor;
	}

	/** Stop one process early (the probe client) and forget it. */
	async stopProcess(tor: TorProcess): Promise<void> {
		await tor.stop();
		this.processes.delete(tor);
	}

	addOwnership(ownership: Ownership): void {
		if (this.status === 'running') {
			this.ownerships.push(ownership);
		} else {
			ownership.release();
		}
	}

	addCleanup(cleanup: () => Promise<void>): void {
		this.cleanups.push(cleanup);
	}

	pids(): number[] {
		return [...this.processes].flatMap(tor => (tor.pid === undefined ? [] : [tor.pid]));
	}

	/** SIGTERM every process (SIGKILL after a timeout), wait until all are gone, clean up, remove the directory. */
	async stop(): Promise<void> {
		this.stopping ??= (async () => {
			this.status = 'stopping';
			await Promise.all([...this.processes].map(async tor => tor.stop()));
			for (const ownership of this.ownerships) {
				ownership.release();
			}

			await Promise.allSettled(this.cleanups.map(async cleanup => cleanup()));
			await rm(this.dir, {recursive: true, force: true, maxRetries: 3});
			this.status = 'stopped';
		})();
		return this.stopping;
	}
}
