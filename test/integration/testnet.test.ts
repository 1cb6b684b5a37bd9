import {existsSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa, type ResultPromise} from 'execa';
import {afterEach, describe, expect, test} from 'vitest';
import {startTestnet, type Testnet} from '../../source/testnet/start-testnet.js';
import {httpGetViaConnect} from '../../source/util/connect-fetch.js';
import {freePorts} from '../../source/util/free-port.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';

let testnet: Testnet | undefined;
let client: ResultPromise | undefined;
let clientDir: string | undefined;

afterEach(async () => {
	client?.kill('SIGKILL');
	await client;
	client = undefined;
	await testnet?.stop();
	testnet = undefined;
	if (clientDir) {
		await rm(clientDir, {recursive: true, force: true});
		clientDir = undefined;
	}
});

/** Pids of the live processes whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
			continue;
		}

		// eslint-disable-next-line no-await-in-loop
		const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
		if (commandLine.includes(text)) {
			pids.push(Number(entry));
		}
	}

	return pids;
}

/** Start a client Tor from nothing but the testnet's torrc lines, and wait for it to bootstrap. */
async function startClient(network: Testnet): Promise<{socksPort: number; tunnelPort: number}> {
	clientDir = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-client-'));
	const emptyTorrc = path.join(clientDir, 'empty');
	const torrc = path.join(clientDir, 'torrc');
	await writeFile(emptyTorrc, '');
	await writeFile(torrc, `${network.torrcLines.join('\n')}\n`);
	const [socksPort = 0, tunnelPort = 0] = await freePorts(2);
	const tor = execa('tor', [
		'--defaults-torrc', emptyTorrc,
		'-f', torrc,
		'--DataDirectory', path.join(clientDir, 'data'),
		'--SocksPort', `127.0.0.1:${socksPort}`,
		'--HTTPTunnelPort', `127.0.0.1:${tunnelPort}`,
		'--Log', 'notice stdout',
	], {stdin: 'ignore', buffer: false, reject: false});
	client = tor;
	await new Promise<void>((resolve, reject) => {
		let output = '';
		tor.stdout.setEncoding('utf8');
		tor.stdout.on('data', (chunk: string) => {
			output += chunk;
			if (output.includes('Bootstrapped 100%')) {
				resolve();
			}
		});
		void tor.then(() => {
			reject(new Error(`client tor exited:\n${output}`));
		});
		setTimeout(() => {
			reject(new Error(`client tor did not bootstrap within 90 s:\n${output}`));
		}, 90_000).unref();
	});
	return {socksPort, tunnelPort};
}

describe('startTestnet', () => {
	test('clients reach the echo server through several of the exits, and only through them', async () => {
		const lines: string[] = [];
		const started = Date.now();
		testnet = await startTestnet({log: line => lines.push(line)});
		const upAfterMs = Date.now() - started;
		console.info(`testnet up after ${upAfterMs} ms`);

		expect(testnet.exits).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
		expect(testnet.exitFingerprints).toHaveLength(4);
		expect(testnet.checkUrl).toMatch(/^http:\/\/\[::ffff:127\.0\.0\.1\]:\d+\/$/);
		expect(testnet.torrcLines).toContain('TestingTorNetwork 1');
		expect(testnet.torrcLines.filter(line => line.startsWith('DirAuthority '))).toHaveLength(3);
		expect(await readFile(testnet.torrcFile, 'utf8')).toBe(`${testnet.torrcLines.join('\n')}\n`);
		expect(lines.some(line => line.includes('network usable'))).toBe(true);

		const {socksPort, tunnelPort} = await startClient(testnet);
		const seen: string[] = [];
		const deadline = Date.now() + 90_000;
		for (let attempt = 0; new Set(seen).size < 2 && Date.now() < deadline; attempt++) {
			// Distinct SOCKS credentials get distinct circuits (IsolateSOCKSAuth), so exits vary.
			// eslint-disable-next-line no-await-in-loop
			const response = await httpGetViaSocks({
				socksHost: '127.0.0.1', socksPort, url: testnet.checkUrl, username: `lease-${attempt}`, password: 'x', timeoutMs: 20_000,
			}).catch(() => undefined);
			const ip = response && parseCheckBody(response.body);
			if (ip !== undefined) {
				seen.push(ip);
			}
		}

		expect(new Set(seen).size).toBeGreaterThan(1);
		for (const ip of seen) {
			expect(testnet.exits).toContain(ip);
		}

		// The HTTP CONNECT tunnel leaves through an exit too.
		const viaTunnel = await httpGetViaConnect({
			proxyHost: '127.0.0.1', proxyPort: tunnelPort, url: testnet.checkUrl, proxyAuth: {username: 'tunnel', password: 'x'}, timeoutMs: 20_000,
		});
		expect(testnet.exits).toContain(parseCheckBody(viaTunnel.body));

		const {dir} = testnet;
		expect(await processesMentioning(dir)).toHaveLength(7);
		await Promise.all([testnet.stop(), testnet.stop()]);
		expect(await processesMentioning(dir)).toEqual([]);
		expect(existsSync(dir)).toBe(false);
	}, 240_000);

	test('a start that times out stops what it started and removes its directory', async () => {
		let dir = '';
		let relaysStarted = false;
		const starting = startTestnet({
			// Past key generation (2-4 s), short of a usable consensus (about 10 s).
			timeoutMs: 8000,
			log(line) {
				dir = /in (\S+nightcrawler-testnet-\S+)$/.exec(line)?.[1] ?? dir;
				relaysStarted ||= line.includes('starting');
			},
		});
		await expect(starting).rejects.toMatchObject({name: 'TestnetError'});
		expect(relaysStarted).toBe(true);
		expect(dir).not.toBe('');
		expect(await processesMentioning(dir)).toEqual([]);
		expect(existsSync(dir)).toBe(false);
	}, 60_000);

	test('a start that cannot run tor fails with TestnetError', async () => {
		await expect(startTestnet({torPath: path.join(os.tmpdir(), 'no-such-dir', 'tor'), gencertPath: 'tor-gencert'}))
			.rejects.toMatchObject({name: 'TestnetError'});
	}, 60_000);

	test('an abort during startup stops everything and rejects with the reason', async () => {
		const controller = new AbortController();
		let dir = '';
		const starting = startTestnet({
			signal: controller.signal,
			log(line) {
				dir = /in (\S+nightcrawler-testnet-\S+)$/.exec(line)?.[1] ?? dir;
				if (line.includes('starting')) {
					controller.abort(new Error('changed my mind'));
				}
			},
		});
		await expect(starting).rejects.toThrow('changed my mind');
		expect(await processesMentioning(dir)).toEqual([]);
		expect(existsSync(dir)).toBe(false);
	}, 60_000);
});
