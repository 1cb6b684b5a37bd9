import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';

/**
 * Create a relay's identity keys in `dataDir` ahead of its start and return its fingerprint
 * (40 hex digits), with `tor --list-fingerprint`. Tor refuses `-f /dev/null`, hence `emptyTorrc`.
 */
export async function createRelayFingerprint(options: {
	torPath: string;
	emptyTorrc: string;
	dataDir: string;
	nickname: string;
	orPort: number;
	/** Default 127.0.0.1. */
	address?: string;
}): Promise<string> {
	await execa(options.torPath, [
		'--list-fingerprint',
		'--defaults-torrc', options.emptyTorrc,
		'-f', options.emptyTorrc,
		'--DataDirectory', options.dataDir,
		'--ORPort', `${options.address ?? '127.0.0.1'}:${options.orPort}`,
		'--Address', options.address ?? '127.0.0.1',
		'--SocksPort', '0',
		'--Nickname', options.nickname,
		'--GeoIPFile', '',
		'--GeoIPv6File', '',
		'--Log', 'err stderr',
	], {timeout: 60_000, stdin: 'ignore'});
	const text = await readFile(path.join(options.dataDir, 'fingerprint'), 'utf8');
	const fingerprint = text.trim().split(/\s+/)[1];
	if (fingerprint === undefined || !/^[\dA-F]{40}$/.test(fingerprint)) {
		throw new Error(`unexpected fingerprint file in ${options.dataDir}: ${JSON.stringify(text)}`);
	}

	return fingerprint;
}
