import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {waitForUsableConsensus} from './consensus.js';
import {startEchoServer} from './echo-server.js';
import {pollUntil} from './poll-until.js';
import {prepareNodes} from './prepare-nodes.js';
import {probeNetwork} from './probe-network.js';
import {RunningNetwork} from './running-network.js';
import {takeOwnership} from './take-ownership.js';
import {TestnetError} from './testnet-error.js';

export type TestnetOptions = {
	/** Exit relays (default 4, at most 253: exit k leaves from 127.0.0.(k+1)). */
	exits?: number;
	torPath?: string;
	/** Default: tor-gencert next to `torPath`, or on the PATH. */
	gencertPath?: string;
	/** Progress lines, and Tor's [err] lines prefixed with the node's nickname. */
	log?: (line: string) => void;
	/** Give up (and clean up) when the network is not usable after this long (default 120 s). */
	timeoutMs?: number;
	signal?: AbortSignal;
};

export type Testnet = {
	/** What a client Tor needs to join the network. */
	torrcLines: string[];
	/** A file holding `torrcLines`, for `tor -f` / `--torrc`. */
	torrcFile: string;
	/** The echo server, in the form the exits must be asked for it: `http://[::ffff:127.0.0.1]:PORT/`. */
	checkUrl: string;
	/** The source address of each exit, as the echo server reports it: ['127.0.0.2', ...]. */
	exits: string[];
	/** The identity fingerprint of each exit, in the order of `exits`. */
	exitFingerprints: string[];
	/** The exits accept any address on these ports (a range holding the echo server's port). */
	exitPortRange: [number, number];
	/** The temporary directory holding every node's data; removed by stop(). */
	dir: string;
	/** Resolves with an error if a Tor process of the network ends while it runs. */
	failed: Promise<Error>;
	/** The pids of the network's Tor processes. */
	pids(): number[];
	/** Stop every process (SIGTERM, SIGKILL after 5 s), wait until they are gone, remove `dir`. Idempotent. */
	stop(): Promise<void>;
};

const authorityCount = 3;

/**
 * Bring up a private Tor network on loopback: 3 directory authorities and N exit relays, plus an
 * echo server that tells the exits apart by their source addresses. Resolves once a client Tor built
 * from `torrcLines` has fetched the check URL; on failure everything started is stopped first.
 */
export async function startTestnet(options: TestnetOptions = {}): Promise<Testnet> {
	const exitCount = options.exits ?? 4;
	if (!Number.isInteger(exitCount) || exitCount < 1 || exitCount > 253) {
		throw new RangeError(`exits must be an integer from 1 to 253, got ${exitCount}`);
	}

	const torPath = options.torPath ?? 'tor';
	const gencertPath = options.gencertPath ?? (torPath.includes('/') ? path.join(path.dirname(torPath), 'tor-gencert') : 'tor-gencert');
	const log = options.log ?? (() => undefined);
	// Aborted when startup fails, so the steps still running (ownership polls) end with it.
	const startup = new AbortController();
	const signal = options.signal ? AbortSignal.any([options.signal, startup.signal]) : startup.signal;
	const startedAt = Date.now();
	const deadline = startedAt + (options.timeoutMs ?? 120_000);
	const elapsed = (): string => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

	const dir = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-testnet-'));
	if (Buffer.byteLength(path.join(dir, 'auth1', 'control')) > 100) {
		await rm(dir, {recursive: true, force: true});
		throw new TestnetError(`the temporary directory ${dir} is too long for Unix control sockets (about 100 bytes at most): set TMPDIR to a shorter path`);
	}

	const network = new RunningNetwork(dir);
	// A relay that dies during startup fails it at once instead of at the deadline.
	const orFailure = async <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, network.failed.then(error => Promise.reject(error))]);
	try {
		const echo = await startEchoServer();
		network.addCleanup(echo.close);
		log(`building keys for ${authorityCount} authorities and ${exitCount} exits in ${dir}`);
		const prepared = await prepareNodes({dir, torPath, gencertPath, authorityCount, exitCount, echoPort: echo.port});
		signal.throwIfAborted();
		log(`keys ready after ${elapsed()}; starting ${prepared.nodes.length} relays`);

		// All at once: the authorities need each other to vote, and the exits need them to publish.
		const ownerships = prepared.nodes.map(async node => {
			const tor = network.spawn({
				name: node.nickname,
				torPath,
				args: ['--defaults-torrc', prepared.emptyTorrc, '-f', node.torrc],
				onLine(line) {
					// Warnings are many while the network forms (404s for a consensus not made yet);
					// the last lines of a process that fails go into the error instead.
					if (line.includes('[err]')) {
						log(`${node.nickname}: ${line}`);
					}
				},
			});
			await tor.waitForLine(/Opened Control listener/, signal);
			// The cookie file appears a moment after the listener.
			network.addOwnership(await pollUntil(async () => takeOwnership(path.join(dir, node.nickname)).catch(() => undefined), {
				deadline: Math.min(deadline, Date.now() + 10_000),
				intervalMs: 100,
				signal,
				onTimeout: () => new Error(`could not take ownership of ${node.nickname} through its control socket`),
			}));
		});
		const exitFingerprints = prepared.exits.map(exit => exit.fingerprint);
		await orFailure(Promise.all([
			Promise.all(ownerships),
			waitForUsableConsensus({dirPorts: prepared.authorities.map(({dirPort}) => dirPort), exitFingerprints, deadline, signal}),
		]));
		log(`consensus lists all ${exitCount} exits after ${elapsed()}; probing with a client`);

		const exits = prepared.exits.map(exit => exit.exitAddress);
		const exitUsed = await orFailure(probeNetwork({
			network,
			torPath,
			emptyTorrc: prepared.emptyTorrc,
			torrcFile: prepared.clientTorrcFile,
			socksPort: prepared.probeSocksPort,
			checkUrl: echo.checkUrl,
			exits,
			deadline,
			signal,
			log,
		}));
		log(`network usable after ${elapsed()} (the probe left through ${exitUsed})`);

		return {
			torrcLines: prepared.clientTorrcLines,
			torrcFile: prepared.clientTorrcFile,
			checkUrl: echo.checkUrl,
			exits,
			exitFingerprints,
			exitPortRange: prepared.exitPortRange,
			dir,
			failed: network.failed,
			pids: () => network.pids(),
			stop: async () => network.stop(),
		};
	} catch (error) {
		startup.abort();
		await network.stop();
		if (options.signal?.aborted && error === options.signal.reason) {
			throw error;
		}

		const reason = error instanceof Error ? error.message : String(error);
		throw new TestnetError(`the private Tor network did not come up: ${reason}`, {cause: error});
	}
}
