import {randomInt} from 'node:crypto';
import {execa, type Options, type ResultPromise} from 'execa';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Hosts for tests: one network namespace per host, joined by a private bridge that lives in a
 * namespace of its own (the "switch"), so nothing is attached to the machine's own namespace. Each
 * host has loopback and one veth `eth0` with an address in a random 10.a.b.0/24, and no default
 * route: its traffic goes to loopback and to the other hosts' addresses, nowhere else.
 *
 * Names are `nct-<pid>-<random>-<host>`: a run removes the namespaces of runs whose process is gone
 * (a test killed before its teardown), never those of a live run.
 */

const prefix = 'nct';

export type Host = {
	readonly name: string;
	/** The network namespace (`ip netns exec NAMESPACE ...`). */
	readonly namespace: string;
	/** Its address on the private bridge, e.g. 10.23.7.10. */
	readonly address: string;
	/** Run a command inside the host (its network; the same filesystem and users). */
	run(file: string, args?: readonly string[], options?: Options): ResultPromise;
	/** Pids of every process whose network is this host's (what a test must have stopped). */
	pids(): Promise<number[]>;
	/** Cut the host's link to the bridge (`down`) or restore it (`up`); loopback keeps working. */
	setLink(state: 'up' | 'down'): Promise<void>;
	/** One more address on the host's interface (in the same /24), for processes that need their own source address. */
	addAddress(): Promise<string>;
};

export type TestNetwork = {
	readonly hosts: readonly Host[];
	host(name: string): Host;
	/** The /24 every host is in, e.g. 10.23.7.0/24. */
	readonly subnet: string;
	/** Stop what still runs in the hosts (SIGTERM, SIGKILL after 5 s), then delete every namespace, the bridge with them. Idempotent. */
	destroy(): Promise<void>;
};

async function ip(args: readonly string[]): Promise<string> {
	const result = await execa('ip', args, {stdin: 'ignore'});
	return result.stdout;
}

/** Why hosts cannot be made here (not root, no `ip`, namespaces refused), or undefined when they can. */
export async function hostsUnavailableReason(): Promise<string | undefined> {
	if (process.platform !== 'linux') {
		return `network namespaces need Linux (this is ${process.platform})`;
	}

	if (process.getuid?.() !== 0) {
		return 'network namespaces need root';
	}

	try {
		await execa('ip', ['-V'], {stdin: 'ignore'});
	} catch {
		return 'the `ip` command (iproute2) is not installed';
	}

	const probe = `${prefix}-${process.pid}-probe${randomInt(1_000_000)}`;
	try {
		await ip(['netns', 'add', probe]);
	} catch (error) {
		return `cannot create a network namespace: ${error instanceof Error ? error.message.split('\n').at(-1) : String(error)}`;
	}

	await ip(['netns', 'del', probe]).catch(() => undefined);
	return undefined;
}

/**
 * For a test file: the reason hosts are unavailable, printed once so a skip is visible; use with
 * `describe.skipIf(reason)`.
 */
export async function hostsSkipReason(what: string): Promise<string | undefined> {
	const reason = await hostsUnavailableReason();
	if (reason) {
		console.log(`SKIPPED ${what}: ${reason}`);
	}

	return reason;
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error instanceof Error && 'code' in error && error.code === 'EPERM';
	}
}

async function namespacePids(namespace: string): Promise<number[]> {
	const output = await ip(['netns', 'pids', namespace]).catch(() => '');
	return output.split(/\s+/).filter(Boolean).map(Number).filter(pid => Number.isInteger(pid) && pid !== process.pid);
}

async function killAll(namespace: string, graceMs: number): Promise<void> {
	const signalAll = async (signal: NodeJS.Signals): Promise<number> => {
		const pids = await namespacePids(namespace);
		for (const pid of pids) {
			try {
				process.kill(pid, signal);
			} catch {
				// Gone already.
			}
		}

		return pids.length;
	};

	if (await signalAll('SIGTERM') === 0) {
		return;
	}

	const deadline = Date.now() + graceMs;
	while (Date.now() < deadline) {
		// eslint-disable-next-line no-await-in-loop
		if ((await namespacePids(namespace)).length === 0) {
			return;
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	await signalAll('SIGKILL');
	const killDeadline = Date.now() + 5000;
	while ((await namespacePids(namespace)).length > 0 && Date.now() < killDeadline) {
		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
	}
}

/** Namespaces with this helper's prefix that exist now. */
export async function listTestNamespaces(): Promise<string[]> {
	const output = await ip(['netns', 'list']).catch(() => '');
	return output.split('\n').map(line => line.split(' ')[0] ?? '').filter(name => name.startsWith(`${prefix}-`));
}

/** Remove the namespaces left by runs whose process is gone. */
export async function sweepStaleHosts(): Promise<string[]> {
	const stale = (await listTestNamespaces()).filter(name => {
		const owner = Number(name.split('-')[1]);
		return !Number.isInteger(owner) || !isAlive(owner);
	});
	for (const namespace of stale) {
		// eslint-disable-next-line no-await-in-loop
		await killAll(namespace, 1000);
		// eslint-disable-next-line no-await-in-loop
		await ip(['netns', 'del', namespace]).catch(() => undefined);
	}

	return stale;
}

/**
 * Create hosts named `names` (short names: letters, digits, dashes) on one private bridge. On
 * failure everything created is removed before the error is thrown.
 */
export async function createHosts(names: readonly string[]): Promise<TestNetwork> {
	for (const name of names) {
		if (!/^[a-z\d-]{1,20}$/.test(name)) {
			throw new RangeError(`host names are 1-20 of [a-z0-9-], got ${JSON.stringify(name)}`);
		}
	}

	if (new Set(names).size !== names.length || names.length > 80) {
		throw new RangeError('host names must be distinct, and at most 80');
	}

	await sweepStaleHosts();
	const run = `${prefix}-${process.pid}-${randomInt(36 ** 4).toString(36).padStart(4, '0')}`;
	const [a, b] = [randomInt(256), randomInt(256)];
	const subnet = `10.${a}.${b}.0/24`;
	const switchNamespace = `${run}-switch`;
	const created: string[] = [];
	// Every process on the hosts gets this as TMPDIR, so what one leaves (a SIGKILLed provider's Tor
	// directory, say) goes with the hosts.
	const temporary = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-hosts-'));
	let destroying: Promise<void> | undefined;
	const destroy = async (): Promise<void> => {
		destroying ??= (async () => {
			// The hosts' processes first, all at once, then the namespaces (which takes their veths and the bridge).
			await Promise.all(created.map(async namespace => killAll(namespace, 5000)));
			await rm(temporary, {recursive: true, force: true});
			const failures: string[] = [];
			for (const namespace of created.reverse()) {
				// eslint-disable-next-line no-await-in-loop
				await ip(['netns', 'del', namespace]).catch((error: unknown) => {
					failures.push(`${namespace}: ${error instanceof Error ? error.message : String(error)}`);
				});
			}

			if (failures.length > 0) {
				throw new Error(`could not delete namespaces: ${failures.join('; ')}`);
			}
		})();
		return destroying;
	};

	try {
		await ip(['netns', 'add', switchNamespace]);
		created.push(switchNamespace);
		await ip(['-n', switchNamespace, 'link', 'add', 'br0', 'type', 'bridge']);
		await ip(['-n', switchNamespace, 'link', 'set', 'br0', 'up']);
		let nextExtra = 100;
		const hosts: Host[] = [];
		for (const [index, name] of names.entries()) {
			const namespace = `${run}-${name}`;
			const address = `10.${a}.${b}.${10 + index}`;
			// eslint-disable-next-line no-await-in-loop
			await ip(['netns', 'add', namespace]);
			created.push(namespace);
			const port = `port${index}`;
			/* eslint-disable no-await-in-loop */
			await ip(['-n', switchNamespace, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
			await ip(['-n', switchNamespace, 'link', 'set', port, 'master', 'br0', 'up']);
			await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
			await ip(['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
			await ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
			/* eslint-enable no-await-in-loop */
			const host: Host = {
				name,
				namespace,
				address,
				run: (file, args = [], options = {}) => execa('ip', ['netns', 'exec', namespace, file, ...args], {...options, env: {TMPDIR: temporary, ...options.env}}),
				pids: async () => namespacePids(namespace),
				async setLink(state) {
					await ip(['-n', switchNamespace, 'link', 'set', port, state]);
				},
				async addAddress() {
					if (nextExtra > 254) {
						throw new RangeError('no address left in the subnet');
					}

					const extra = `10.${a}.${b}.${nextExtra++}`;
					await ip(['-n', namespace, 'addr', 'add', `${extra}/24`, 'dev', 'eth0']);
					return extra;
				},
			};
			hosts.push(host);
		}

		return {
			hosts,
			subnet,
			host(name) {
				const found = hosts.find(host => host.name === name);
				if (!found) {
					throw new Error(`no host named ${name}`);
				}

				return found;
			},
			destroy,
		};
	} catch (error) {
		await destroy().catch(() => undefined);
		throw error;
	}
}
