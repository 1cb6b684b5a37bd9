import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {freePorts} from '../util/free-port.js';
import {createAuthorityKeys} from './authority-keys.js';
import {createRelayFingerprint} from './relay-fingerprint.js';
import {authorityTorrc, clientTorrcLines, exitTorrc, type AuthorityInfo, type ExitInfo} from './testnet-torrc.js';

export type PreparedNetwork = {
	authorities: AuthorityInfo[];
	exits: ExitInfo[];
	/** Every relay's nickname and torrc file, authorities first. */
	nodes: Array<{nickname: string; torrc: string}>;
	/** An empty file for `--defaults-torrc`, so /etc/tor/torrc-defaults never applies. */
	emptyTorrc: string;
	clientTorrcLines: string[];
	clientTorrcFile: string;
	/** The exits accept any address on these ports. */
	exitPortRange: [number, number];
	/** A free port for the probe client's SocksPort. */
	probeSocksPort: number;
};

/**
 * Lay out a network in `dir` without starting it: ports, authority keys (tor-gencert) and relay
 * fingerprints (`tor --list-fingerprint`), all generated at once, then every torrc.
 */
export async function prepareNodes(options: {
	dir: string;
	torPath: string;
	gencertPath: string;
	authorityCount: number;
	exitCount: number;
	echoPort: number;
}): Promise<PreparedNetwork> {
	const {dir, torPath} = options;
	const emptyTorrc = path.join(dir, 'empty-torrc');
	const resolvConf = path.join(dir, 'resolv.conf');
	const clientTorrcFile = path.join(dir, 'client.torrc');
	const ports = await freePorts((options.authorityCount * 2) + options.exitCount + 2);
	const takePort = (): number => {
		const port = ports.shift();
		if (port === undefined) {
			throw new Error('ran out of ports');
		}

		return port;
	};

	await writeFile(emptyTorrc, '');
	// An unused loopback port: the exits never ask a resolver outside loopback.
	await writeFile(resolvConf, `nameserver 127.0.0.1:${takePort()}\n`);
	const probeSocksPort = takePort();

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
			createAuthorityKeys({gencertPath: options.gencertPath, dataDir, dirPort}),
			createRelayFingerprint({torPath, emptyTorrc, dataDir, nickname, orPort}),
		]).then(outcomes => valuesOrFirstError(outcomes));
		if (v3ident === undefined || fingerprint === undefined) {
			throw new Error(`missing keys for ${nickname}`);
		}

		return {nickname, orPort, dirPort, v3ident, fingerprint};
	});
	const exitPromises = Array.from({length: options.exitCount}, async (_, index): Promise<ExitInfo> => {
		const nickname = `exit${index + 1}`;
		const orPort = takePort();
		const dataDir = await makeDataDir(nickname);
		const fingerprint = await createRelayFingerprint({torPath, emptyTorrc, dataDir, nickname, orPort});
		return {nickname, orPort, fingerprint, exitAddress: `127.0.0.${index + 2}`};
	});
	// Let every key generator finish before reporting a failure, so none writes into a removed directory.
	const [authorityOutcomes, exitOutcomes] = await Promise.all([Promise.allSettled(authorityPromises), Promise.allSettled(exitPromises)]);
	const authorities = valuesOrFirstError(authorityOutcomes);
	const exits = valuesOrFirstError(exitOutcomes);

	const exitPortRange = await portRangeAround(options.echoPort);
	const paths = (nickname: string) => ({dataDir: path.join(dir, nickname), resolvConf, ownerPid: process.pid});
	const nodeLines = [
		...authorities.map(authority => ({nickname: authority.nickname, lines: authorityTorrc(authority, {authorities, exits}, paths(authority.nickname))})),
		...exits.map(exit => ({nickname: exit.nickname, lines: exitTorrc(exit, {authorities, portRange: exitPortRange}, paths(exit.nickname))})),
	];
	const nodes = await Promise.all(nodeLines.map(async ({nickname, lines}) => {
		const torrc = path.join(dir, `${nickname}.torrc`);
		await writeFile(torrc, `${lines.join('\n')}\n`);
		return {nickname, torrc};
	}));
	const lines = clientTorrcLines(authorities);
	await writeFile(clientTorrcFile, `${lines.join('\n')}\n`);

	return {authorities, exits, nodes, emptyTorrc, clientTorrcLines: lines, clientTorrcFile, exitPortRange, probeSocksPort};
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
