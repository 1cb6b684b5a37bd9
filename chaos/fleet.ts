import type {ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {spawnTiedToParent} from '../source/redis/spawn-tied-to-parent.js';
import {startRedisServer, type RedisServer} from '../source/redis/redis-server.js';
import type {ClientWorkerSettings} from './workers/client-worker.js';
import type {ProviderWorkerSettings} from './workers/provider-worker.js';
import type {WorkerLine} from './workers/worker-io.js';

export type Role = 'provider' | 'client';

/** One worker process (a provider or a client over the built library) and what it reported. */
export class Worker {
	/** Set once the worker said it was ready: its instance UUID. */
	id = '';
	/** Why it ended: a signal the runner sent, or an exit of its own (a crash unless code 0 after stop). */
	ending: {expected: boolean; code: number | null; signal: NodeJS.Signals | null} | undefined;
	crashed = false;
	readonly exited: Promise<void>;
	private expectExit = false;
	private readonly readyWaiters: Array<() => void> = [];

	constructor(readonly name: string, readonly role: Role, readonly child: ChildProcess, onLine: (worker: Worker, line: WorkerLine) => void) {
		const lines = createInterface({input: child.stdout!});
		lines.on('line', text => {
			let line: WorkerLine;
			try {
				line = JSON.parse(text) as WorkerLine;
			} catch {
				return;
			}

			if (line.e === 'ready') {
				this.id = String(line.id);
				for (const wake of this.readyWaiters.splice(0)) {
					wake();
				}
			} else if (line.e === 'crash') {
				this.crashed = true;
				process.stderr.write(`chaos: ${this.name} crashed: ${String(line.error)}\n`);
			}

			onLine(this, line);
		});
		child.stderr?.on('data', () => undefined);
		this.exited = new Promise(resolve => {
			child.once('exit', (code, signal) => {
				this.ending = {expected: this.expectExit, code, signal};
				// Anything but an exit the runner asked for (or caused) is a crash.
				this.crashed ||= !this.expectExit;

				resolve();
			});
		});
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	get alive(): boolean {
		return this.ending === undefined;
	}

	async ready(timeoutMs = 30_000): Promise<void> {
		if (this.id) {
			return;
		}

		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(new Error(`${this.name} not ready after ${timeoutMs} ms`));
			}, timeoutMs);
			this.readyWaiters.push(() => {
				clearTimeout(timer);
				resolve();
			});
			void this.exited.then(() => {
				clearTimeout(timer);
				reject(new Error(`${this.name} exited before it was ready`));
			});
		});
	}

	send(command: Record<string, unknown>): void {
		if (this.alive) {
			this.child.stdin?.write(`${JSON.stringify(command)}\n`);
		}
	}

	/** Send a signal the runner means (SIGKILL, SIGSTOP, ...): an exit it causes is no crash. */
	signal(signal: NodeJS.Signals): void {
		if (signal === 'SIGKILL' || signal === 'SIGTERM') {
			this.expectExit = true;
		}

		if (this.alive) {
			this.child.kill(signal);
		}
	}

	/** Ask it to stop (it gives its leases back), then SIGKILL after `timeoutMs`. */
	async stop(timeoutMs = 15_000): Promise<void> {
		if (!this.alive) {
			return;
		}

		this.expectExit = true;
		this.send({cmd: 'stop'});
		const timer = setTimeout(() => {
			process.stderr.write(`chaos: ${this.name} did not stop in ${timeoutMs} ms: SIGKILL\n`);
			this.child.kill('SIGKILL');
		}, timeoutMs);
		await this.exited;
		clearTimeout(timer);
	}
}

/** Every process started is named on stderr with its pid, so that a run can be checked to leave none. */
function started(name: string, pid: number | undefined): void {
	process.stderr.write(`chaos: started ${name} pid ${pid ?? '?'}\n`);
}

const workerPath = (role: Role) => fileURLToPath(new URL(`workers/${role}-worker.js`, import.meta.url));

/** Every process of one scenario: its redis-server and its workers; `stopAll()` ends them all. */
export class Fleet {
	/** Fleets not yet stopped, so that an interrupted run stops them too. */
	static readonly running = new Set<Fleet>();
	readonly workers: Worker[] = [];
	redis: RedisServer | undefined;
	private count = 0;

	constructor(private readonly onLine: (worker: Worker, line: WorkerLine) => void) {
		Fleet.running.add(this);
	}

	async startRedis(port?: number): Promise<RedisServer> {
		this.redis = await startRedisServer({port});
		started('redis-server', this.redis.pid);
		return this.redis;
	}

	/** SIGKILL the redis-server and start another on the same port. */
	async restartRedis(): Promise<void> {
		const old = this.redis!;
		process.kill(old.pid!, 'SIGKILL');
		await old.stop();
		this.redis = await startRedisServer({port: old.port});
		started('redis-server', this.redis.pid);
	}

	async provider(settings: Omit<ProviderWorkerSettings, 'redis' | 'basePort'>): Promise<Worker> {
		return this.spawn('provider', {redis: this.redis!.url, basePort: 20_000 + (this.count * 2000), ...settings});
	}

	async client(settings: Omit<ClientWorkerSettings, 'redis'>): Promise<Worker> {
		return this.spawn('client', {redis: this.redis!.url, ...settings});
	}

	private async spawn(role: Role, settings: ProviderWorkerSettings | ClientWorkerSettings): Promise<Worker> {
		const name = `${role}-${++this.count}`;
		const {child} = await spawnTiedToParent(process.execPath, [workerPath(role), JSON.stringify(settings)], {stdio: ['pipe', 'pipe', 'pipe']});
		const worker = new Worker(name, role, child, this.onLine);
		started(name, child.pid);
		this.workers.push(worker);
		await worker.ready();
		return worker;
	}

	live(role: Role): Worker[] {
		return this.workers.filter(worker => worker.role === role && worker.alive);
	}

	pids(): number[] {
		return [...this.workers.filter(worker => worker.alive).map(worker => worker.pid), this.redis?.pid].filter((pid): pid is number => pid !== undefined);
	}

	/** Clients first (their leases go back while providers answer), then providers, then Redis. */
	async stopAll(): Promise<void> {
		for (const worker of this.workers) {
			if (worker.alive) {
				worker.signal('SIGCONT');
			}
		}

		await Promise.all(this.live('client').map(async worker => worker.stop()));
		await Promise.all(this.live('provider').map(async worker => worker.stop()));
		if (this.redis?.pid !== undefined) {
			try {
				process.kill(this.redis.pid, 'SIGCONT');
			} catch {}
		}

		await this.redis?.stop();
		Fleet.running.delete(this);
	}
}
