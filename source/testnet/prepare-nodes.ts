import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {createAuthorityKeys} from './authority-keys.js';
import type {HeldPorts} from '../util/held-ports.js';
import {createRelayFingerprint} from './relay-fingerprint.js';
import {authorityTorrc, clientTorrcLines, exitTorrc, type AuthorityInfo, type ExitInfo} from './testnet-torrc.js';

/** What the product's TorProcess needs to start one node (it writes DATADIR/torrc itself). */
export type NodeLaunch = {
	nickname: string;
	dataDir: string;
	/** The node's own lines, after TorProcess's DataDirectory, ports, authentication and logging. */
	torrcLines: string[];
	/** TorProcess always opens a SocksPort; on a relay nothing uses it. */
	socksPort: number;
	controlPort: number;
	/** Every port the node binds: release them from `heldPorts` right before starting it. */
	ports: number[];
};

export type PreparedNetwork = {
	authorities: AuthorityInfo[];
	exits: ExitInfo[];
	/** Every relay, authorities first. */
	nodes: NodeLaunch[];
	clientTorrcLines: string[];
	clientTorrcFile: string;
	/** The exits accept any address on these ports. */
	exitPortRange: [number, number];
	/** Ports for the probe client. */
	probe: {socksPort: number; controlPort: number};
};

/** How many ports `prepareNodes` needs: OR and Dir ports, and a SocksPort and ControlPort for every relay and the probe client. */
export function portCount(authorityCount: number, exitCount: number): number {
	return (authorityCount * 4) + (exitCount * 3) + 2;
}

/**
 * Lay out a network in `dir` without starting it: ports, authority keys (tor-gencert) and relay
 * fingerprints (`tor --list-fingerprint`), all generated at once, then every torrc.
 */
export async function prepareNodes(options: {
	dir: string;
	torPath: string;
	gencertPath: string;
	authorityCount: number;
	/** The address every relay's ORPort and DirPort listen on (default 127.0.0.1). */
	host?: string;
	exitCount: number;
	echoPort: number;
	/** The relays' whole resolv.conf: `nameserver 127.0.0.1:PORT` of the testnet's DNS server. */
	resolvConfText: string;
	/** `portCount()` ports, which the caller releases right before each node starts. */
	heldPorts: HeldPorts;
}): Promise<PreparedNetwork> {
	const {dir, torPath} = options;
	const address = options.host ?? '127.0.0.1';
	const emptyTorrc = path.join(dir, 'empty-torrc');
	const resolvConf = path.join(dir, 'resolv.conf');
	const clientTorrcFile = path.join(dir, 'client.torrc');
	const ports = [...options.heldPorts.ports];
	const takePort = (): number => {
		const port = ports.shift();
		if (port === undefined) {
			throw new Error('ran out of ports');
		}

		return port;
	};

	await writeFile(emptyTorrc, '');
	// The testnet's own DNS server on loopback: the relays never ask a resolver outside loopback.
	await writeFile(resolvConf, options.resolvConfText);
	const probe = {socksPort: takePort(), controlPort: takePort()};

	const makeDataDir = async (nickname: string): Promise<string> => {
		const dataDir = path.join(dir, nickname);
		await mkdir(dataDir, {mode: 0o700});
		return dataDir;
	};

	const authorityPromises = Array.from({length: options.authorityCount}, async (_, index): Promise<AuthorityInfo> => {
		const nickname = `auth${index + 1}`;
		const [orPort, dirPort] = [takePort(), takePort()];
		const dataDir = await makeDataDir(nickname);
		const [v3ident, fingerprint] = await Promise.allSettled([
			createAuthorityKeys({gencertPath: options.gencertPath, dataDir, dirPort, address}),
			createRelayFingerprint({torPath, emptyTorrc, dataDir, nickname, orPort, address}),
		]).then(outcomes => valuesOrFirstError(outcomes));
		if (v3ident === undefined || fingerprint === undefined) {
			throw new Error(`missing keys for ${nickname}`);
		}

		return {nickname, orPort, dirPort, v3ident, fingerprint, address};
	});
	const exitPromises = Array.from({length: options.exitCount}, async (_, index): Promise<ExitInfo> => {
		const nickname = `exit${index + 1}`;
		const orPort = takePort();
		const dataDir = await makeDataDir(nickname);
		const fingerprint = await createRelayFingerprint({torPath, emptyTorrc, dataDir, nickname, orPort, address});
		return {nickname, orPort, fingerprint, exitAddress: `127.0.0.${index + 2}`, address};
	});
	// Let every key generator finish before reporting a failure, so none writes into a removed directory.
	const [authorityOutcomes, exitOutcomes] = await Promise.all([Promise.allSettled(authorityPromises), Promise.allSettled(exitPromises)]);
	const authorities = valuesOrFirstError(authorityOutcomes);
	const exits = valuesOrFirstError(exitOutcomes);

	const exitPortRange = await portRangeAround(options.echoPort);
	const node = (nickname: string, torrcLines: string[], relayPorts: number[]): NodeLaunch => {
		const [socksPort, controlPort] = [takePort(), takePort()];
		return {nickname, dataDir: path.join(dir, nickname), torrcLines, socksPort, controlPort, ports: [...relayPorts, socksPort, controlPort]};
	};

	const nodes = [
		...authorities.map(authority => node(authority.nickname, authorityTorrc(authority, {authorities, exits}, {resolvConf}), [authority.orPort, authority.dirPort])),
		...exits.map(exit => node(exit.nickname, exitTorrc(exit, {authorities, portRange: exitPortRange}, {resolvConf}), [exit.orPort])),
	];
	const lines = clientTorrcLines(authorities);
	await writeFile(clientTorrcFile, `${lines.join('\n')}\n`);

	return {authorities, exits, nodes, clientTorrcLines: lines, clientTorrcFile, exitPortRange, probe};
}

/** The kernel's ephemeral port range (where servers on port 0 land), widened to include `port`. */
async function portRangeAround(port: number): Promise<[number, number]> {
	let low = 32_768;
	let high = 60_999;
	try {
		const [first, second] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
		if (first !== undefined && second !== undefined && Number.isInteger(first) && Number.isInteger(second)) {
			[low, high] = [first, second];
		}
	} catch {
		// Not Linux: keep the usual defaults.
	}

	return [Math.min(low, port), Math.max(high, port)];
}

function valuesOrFirstError<T>(outcomes: Array<PromiseSettledResult<T>>): T[] {
	const failure = outcomes.find(outcome => outcome.status === 'rejected');
	if (failure) {
		throw failure.reason;
	}

	return outcomes.flatMap(outcome => (outcome.status === 'fulfilled' ? [outcome.value] : []));
}
