import {mkdtemp} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {waitForUsableConsensus} from './consensus.js';
import {isDnsName} from './dns-message.js';
import {startDnsServer} from './dns-server.js';
import {startEchoServer} from './echo-server.js';
import {holdPorts} from '../util/held-ports.js';
import {portCount, prepareNodes} from './prepare-nodes.js';
import {probeNetwork} from './probe-network.js';
import {serveDescription} from './description-server.js';
import {RunningNetwork} from './running-network.js';
import {TestnetError} from './testnet-error.js';

export type TestnetOptions = {
	/** Exit relays (default 4, at most 253: exit k leaves from 127.0.0.(k+1)). */
	exits?: number;
	/**
	 * The IPv4 address the relays listen on (ORPorts, DirPorts), default 127.0.0.1: another address of
	 * this machine makes the network reachable from other hosts. The exits, the echo server and the DNS
	 * server stay together on this machine, so the exits still reach the echo server on loopback, each
	 * from its own 127.0.0.x, and the echo server still tells them apart.
	 */
	host?: string;
	torPath?: string;
	/** Default: tor-gencert next to `torPath`, or on the PATH. */
	gencertPath?: string;
	/** Progress lines, and Tor's [err] lines prefixed with the node's nickname. */
	log?: (line: string) => void;
	/** The name the testnet's DNS server resolves to the echo server (default `echo.nightcrawler.test`). */
	checkHost?: string;
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
	/** The name the exits resolve, through the testnet's DNS server, to the echo server: `echo.nightcrawler.test`. */
	checkHost: string;
	/**
	 * The echo server by name, `http://echo.nightcrawler.test:PORT/`, for SOCKS5 with remote DNS
	 * (ATYP 0x03) and HTTP CONNECT. The name has only an AAAA record, ::ffff:127.0.0.1, so the exit
	 * connects from its own address (with an A record 127.0.0.1 every exit would connect from
	 * 127.0.0.1). Clients need no extra torrc line: Tor 0.4.9's SocksPort and HTTPTunnelPort allow
	 * IPv6 answers by default; a port with `NoIPv6Traffic` gets "host unreachable" for the name.
	 */
	checkHostUrl: string;
	/** The source address of each exit, as the echo server reports it: ['127.0.0.2', ...]. */
	exits: string[];
	/** The identity fingerprint of each exit, in the order of `exits`. */
	exitFingerprints: string[];
	/** The exits accept any address on these ports (a range holding the echo server's port). */
	exitPortRange: [number, number];
	/** `http://HOST:PORT/testnet.json`: the network's description, for `provider --join-testnet` on any host that reaches HOST. */
	joinUrl: string;
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
 * echo server that tells the exits apart by their source addresses, and a DNS server that gives the
 * exits one name for it. Resolves once a client Tor built from `torrcLines` has fetched the echo
 * server by name (remote DNS); on failure everything started is stopped first.
 */
export async function startTestnet(options: TestnetOptions = {}): Promise<Testnet> {
	const exitCount = options.exits ?? 4;
	const checkHost = (options.checkHost ?? 'echo.nightcrawler.test').toLowerCase();
	if (!isDnsName(checkHost)) {
		throw new RangeError(`checkHost must be a DNS name such as echo.nightcrawler.test, got ${JSON.stringify(options.checkHost)}`);
	}

	if (!Number.isInteger(exitCount) || exitCount < 1 || exitCount > 253) {
		throw new RangeError(`exits must be an integer from 1 to 253, got ${exitCount}`);
	}

	const host = options.host ?? '127.0.0.1';
	if (!net.isIPv4(host)) {
		throw new RangeError(`host must be an IPv4 address of this machine, got ${JSON.stringify(options.host)}`);
	}

	const torPath = options.torPath ?? 'tor';
	const gencertPath = options.gencertPath ?? (torPath.includes('/') ? path.join(path.dirname(torPath), 'tor-gencert') : 'tor-gencert');
	const log = options.log ?? (() => undefined);
	// Aborted when startup fails, so the steps still running (consensus polls, requests) end with it.
	const startup = new AbortController();
	const signal = options.signal ? AbortSignal.any([options.signal, startup.signal]) : startup.signal;
	const startedAt = Date.now();
	const deadline = startedAt + (options.timeoutMs ?? 120_000);
	const elapsed = (): string => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

	const dir = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-testnet-'));
	const network = new RunningNetwork(dir);
	// A relay that dies during startup, or an abort, fails it at once instead of at the deadline.
	const aborted = new Promise<never>((_, reject) => {
		const onAbort = (): void => {
			reject(signal.reason);
		};

		if (signal.aborted) {
			onAbort();
		} else {
			signal.addEventListener('abort', onAbort, {once: true});
		}
	});
	aborted.catch(() => undefined);
	const orFailure = async <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, aborted, network.failed.then(error => Promise.reject(error))]);
	try {
		const echo = await startEchoServer();
		network.addCleanup(echo.close);
		// Only an AAAA record, IPv4-mapped: like the literal in checkUrl, it keeps each exit's own source
		// address (Tor binds OutboundBindAddressExit for it, not for 127.0.0.0/8).
		const dns = await startDnsServer({records: [{name: checkHost, addresses: ['::ffff:127.0.0.1']}]});
		network.addCleanup(dns.close);
		// Relays' SOCKS and control ports are on loopback, their OR and Dir ports on `host`: hold on every address.
		const heldPorts = await holdPorts(portCount(authorityCount, exitCount), host === '127.0.0.1' ? host : '0.0.0.0');
		network.addCleanup(async () => heldPorts.release());
		log(`building keys for ${authorityCount} authorities and ${exitCount} exits in ${dir}`);
		const prepared = await prepareNodes({
			dir, torPath, gencertPath, authorityCount, exitCount, host, echoPort: echo.port, resolvConfText: `${dns.resolvConfLine}\n`, heldPorts,
		});
		signal.throwIfAborted();
		log(`keys ready after ${elapsed()}; starting ${prepared.nodes.length} relays`);

		// All at once: the authorities need each other to vote, and the exits need them to publish.
		const relays = prepared.nodes.map(async node => {
			await heldPorts.release(node.ports);
			return network.start(node.nickname, {
				torPath,
				dataDirectory: node.dataDir,
				host: '127.0.0.1',
				socksPort: node.socksPort,
				controlPort: node.controlPort,
				torrcLines: node.torrcLines,
			}, line => {
				// Warnings are many while the network forms (404s for a consensus not made yet);
				// the last lines of a process that fails go into the error instead.
				if (line.includes('[err]')) {
					log(`${node.nickname}: ${line}`);
				}
			});
		});
		const exitFingerprints = prepared.exits.map(exit => exit.fingerprint);
		await orFailure(Promise.all([
			Promise.all(relays),
			waitForUsableConsensus({dirPorts: prepared.authorities.map(({dirPort}) => dirPort), host, exitFingerprints, deadline, signal}),
		]));
		log(`consensus lists all ${exitCount} exits after ${elapsed()}; probing with a client`);

		const exits = prepared.exits.map(exit => exit.exitAddress);
		const checkHostUrl = `http://${checkHost}:${echo.port}/`;
		// The probe's ports, the last ones held.
		await heldPorts.release();
		// By name: proves remote DNS through the exits as well as the relays.
		const exitUsed = await orFailure(probeNetwork({
			network,
			torPath,
			torrcLines: prepared.clientTorrcLines,
			...prepared.probe,
			checkUrl: checkHostUrl,
			exits,
			deadline,
			signal,
			log,
		}));
		log(`network usable after ${elapsed()} (the probe left through ${exitUsed})`);
		const description = {torrcLines: prepared.clientTorrcLines, checkUrl: echo.checkUrl, checkHostUrl, exits};
		const descriptionServer = await serveDescription(host, () => description);
		network.addCleanup(descriptionServer.close);

		return {
			torrcLines: prepared.clientTorrcLines,
			torrcFile: prepared.clientTorrcFile,
			checkUrl: echo.checkUrl,
			checkHost,
			checkHostUrl,
			exits,
			exitFingerprints,
			exitPortRange: prepared.exitPortRange,
			joinUrl: descriptionServer.url,
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
