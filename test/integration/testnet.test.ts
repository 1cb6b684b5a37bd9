import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa, type ResultPromise} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {startTestnet, type Testnet} from '../../source/testnet/start-testnet.js';
import {httpGetViaConnect} from '../../source/util/connect-fetch.js';
import {SocksError} from '../../source/util/errors/socks-error.js';
import {freePorts} from '../../source/util/free-port.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';
import {processesMentioning} from '../helpers/processes.js';

let testnet: Testnet | undefined;
let client: TorClient | undefined;

afterEach(async () => {
	await client?.stop();
	client = undefined;
	await testnet?.stop();
	testnet = undefined;
});

type TorClient = {socksPort: number; tunnelPort: number; stop(): Promise<void>};

/**
 * Start a client Tor from nothing but the testnet's torrc lines, with a SocksPort and an
 * HTTPTunnelPort (default flags) and `args`, and wait for it to bootstrap.
 */
async function startClient(network: Testnet, args: string[] = []): Promise<TorClient> {
	const clientDir = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-client-'));
	let tor: ResultPromise | undefined;
	const stop = async (): Promise<void> => {
		tor?.kill('SIGKILL');
		await tor;
		await rm(clientDir, {recursive: true, force: true});
	};

	const emptyTorrc = path.join(clientDir, 'empty');
	const torrc = path.join(clientDir, 'torrc');
	await writeFile(emptyTorrc, '');
	await writeFile(torrc, `${network.torrcLines.join('\n')}\n`);
	const [socksPort = 0, tunnelPort = 0] = await freePorts(2);
	const started = execa('tor', [
		'--defaults-torrc', emptyTorrc,
		'-f', torrc,
		'--DataDirectory', path.join(clientDir, 'data'),
		'--SocksPort', `127.0.0.1:${socksPort}`,
		'--HTTPTunnelPort', `127.0.0.1:${tunnelPort}`,
		'--Log', 'notice stdout',
		'--__OwningControllerProcess', String(process.pid),
		...args,
	], {stdin: 'ignore', buffer: false, reject: false});
	tor = started;
	try {
		await new Promise<void>((resolve, reject) => {
			let output = '';
			started.stdout.setEncoding('utf8');
			started.stdout.on('data', (chunk: string) => {
				output += chunk;
				if (output.includes('Bootstrapped 100%')) {
					resolve();
				}
			});
			void started.then(() => {
				reject(new Error(`client tor exited:\n${output}`));
			});
			setTimeout(() => {
				reject(new Error(`client tor did not bootstrap within 90 s:\n${output}`));
			}, 90_000).unref();
		});
	} catch (error) {
		await stop();
		throw error;
	}

	return {socksPort, tunnelPort, stop};
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
		expect(testnet.checkHost).toBe('echo.nightcrawler.test');
		expect(testnet.checkHostUrl).toBe(testnet.checkUrl.replace('[::ffff:127.0.0.1]', 'echo.nightcrawler.test'));
		expect(testnet.torrcLines).toContain('TestingTorNetwork 1');
		expect(testnet.torrcLines.filter(line => line.startsWith('DirAuthority '))).toHaveLength(3);
		expect(await readFile(testnet.torrcFile, 'utf8')).toBe(`${testnet.torrcLines.join('\n')}\n`);
		expect(lines.some(line => line.includes('network usable'))).toBe(true);

		client = await startClient(testnet);
		const {socksPort, tunnelPort} = client;
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
		// A relay that dies on its own is reported.
		process.kill(testnet.pids()[0]!, 'SIGKILL');
		expect((await testnet.failed).message).toMatch(/^auth1 ended unexpectedly .*signal SIGKILL/);
		await Promise.all([testnet.stop(), testnet.stop()]);
		expect(await processesMentioning(dir)).toEqual([]);
		expect(existsSync(dir)).toBe(false);
	}, 240_000);

	test('a start that times out stops what it started and removes its directory', async () => {
		// A tor whose exit1 never publishes its descriptor: no consensus can ever list every exit, so
		// the start times out whatever the machine's speed (a usable consensus can come after 7 s).
		const wrapperDir = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-tor-wrapper-'));
		const torPath = path.join(wrapperDir, 'tor');
		await writeFile(torPath, '#!/bin/sh\ncase "$*" in *exit1/torrc*) exec tor "$@" --PublishServerDescriptor 0 ;; esac\nexec tor "$@"\n', {mode: 0o755});
		let dir = '';
		let relaysStarted = false;
		const starting = startTestnet({
			torPath,
			gencertPath: 'tor-gencert',
			timeoutMs: 10_000,
			log(line) {
				dir = /in (\S+nightcrawler-testnet-\S+)$/.exec(line)?.[1] ?? dir;
				relaysStarted ||= line.includes('starting');
			},
		});
		await expect(starting).rejects.toMatchObject({name: 'TestnetError', message: expect.stringContaining('no consensus listing all 4 exits') as string});
		await rm(wrapperDir, {recursive: true, force: true});
		expect(relaysStarted).toBe(true);
		expect(dir).not.toBe('');
		expect(await processesMentioning(dir)).toEqual([]);
		expect(existsSync(dir)).toBe(false);
	}, 60_000);

	test('a check host that is not a DNS name is refused before anything starts', async () => {
		await expect(startTestnet({checkHost: '127.0.0.1'})).rejects.toBeInstanceOf(RangeError);
		await expect(startTestnet({checkHost: 'localhost'})).rejects.toBeInstanceOf(RangeError);
	});

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

describe('remote DNS on the testnet', () => {
	let network: Testnet;
	let tor: TorClient;
	let noIpv6Port = 0;
	let credentials = 0;

	beforeAll(async () => {
		network = await startTestnet({exits: 3});
		// A second SocksPort that forbids IPv6 answers, to show why the name only has an AAAA record.
		[noIpv6Port = 0] = await freePorts(1);
		tor = await startClient(network, ['--SocksPort', `127.0.0.1:${noIpv6Port} NoIPv6Traffic`]);
	}, 180_000);
	afterAll(async () => {
		await tor?.stop();
		await network?.stop();
	});

	const viaSocks = async (url: string, port = tor.socksPort) => {
		credentials++;
		// httpGetViaSocks sends a name as ATYP 0x03 (test/unit/socks-fetch.test.ts): the exit resolves it.
		return httpGetViaSocks({socksHost: '127.0.0.1', socksPort: port, url, username: `dns-${credentials}`, password: 'x', timeoutMs: 20_000});
	};

	test('SOCKS5 with the name (ATYP 0x03) reaches the echo server from the exits\' own addresses', async () => {
		expect(network.checkHostUrl).toMatch(/^http:\/\/echo\.nightcrawler\.test:\d+\/$/);
		const seen = new Set<string>();
		const deadline = Date.now() + 60_000;
		while (seen.size < 2 && Date.now() < deadline) {
			// eslint-disable-next-line no-await-in-loop
			const ip = parseCheckBody((await viaSocks(network.checkHostUrl)).body);
			expect(network.exits).toContain(ip);
			seen.add(ip ?? '');
		}

		expect(seen.size).toBeGreaterThan(1);
		expect(seen.has('127.0.0.1')).toBe(false);
	}, 90_000);

	test('HTTP CONNECT with the name as the CONNECT host leaves through an exit too', async () => {
		credentials++;
		const response = await httpGetViaConnect({
			proxyHost: '127.0.0.1', proxyPort: tor.tunnelPort, url: network.checkHostUrl, proxyAuth: {username: `dns-${credentials}`, password: 'x'}, timeoutMs: 20_000,
		});
		expect(network.exits).toContain(parseCheckBody(response.body));
	}, 60_000);

	test('a name the testnet does not know fails as host unreachable (NXDOMAIN at the exit)', async () => {
		const failure = viaSocks(network.checkHostUrl.replace('echo.', 'nothing.'));
		await expect(failure).rejects.toBeInstanceOf(SocksError);
		await expect(failure).rejects.toMatchObject({replyCode: 0x04});
	}, 60_000);

	test('a SocksPort with NoIPv6Traffic cannot use the name (the exit may not answer with the AAAA record)', async () => {
		await expect(viaSocks(network.checkHostUrl, noIpv6Port)).rejects.toMatchObject({name: 'SocksError', replyCode: 0x04});
	}, 60_000);
});
