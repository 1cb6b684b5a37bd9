import {existsSync, readFileSync} from 'node:fs';
import {afterEach, describe, expect, it} from 'vitest';
import {serveDescription, type DescriptionServer} from '../../source/testnet/description-server.js';
import {joinTestnet} from '../../source/testnet/join-testnet.js';
import {TestnetError} from '../../source/testnet/testnet-error.js';
import type {TestnetDescription} from '../../source/testnet/testnet-description.js';

const description: TestnetDescription = {
	torrcLines: ['TestingTorNetwork 1', `DirAuthority auth1 orport=5000 no-v2 v3ident=${'A'.repeat(40)} 10.1.2.3:5001 ${'B'.repeat(40)}`],
	checkUrl: 'http://[::ffff:127.0.0.1]:40000/',
	checkHostUrl: 'http://echo.nightcrawler.test:40000/',
	exits: ['127.0.0.2'],
};

describe('joining a testnet by its description URL', () => {
	let server: DescriptionServer | undefined;
	afterEach(async () => {
		await server?.close();
	});

	it('writes the network\'s client torrc, removed by close()', async () => {
		server = await serveDescription('127.0.0.1', () => description);
		const joined = await joinTestnet(server.url);
		expect(joined.checkUrl).toBe(description.checkUrl);
		expect(readFileSync(joined.torrcFile, 'utf8')).toBe(`${description.torrcLines.join('\n')}\n`);
		await joined.close();
		await joined.close();
		expect(existsSync(joined.dir)).toBe(false);
	});

	it('refuses torrc lines other than TestingTorNetwork and DirAuthority (they go into the joining host\'s Tor)', async () => {
		server = await serveDescription('127.0.0.1', () => ({...description, torrcLines: [...description.torrcLines, 'ControlPort 0.0.0.0:9051']}));
		await expect(joinTestnet(server.url)).rejects.toBeInstanceOf(TestnetError);
	});

	it('answers 404 to anything but the description, and a join of such a URL fails with a TestnetError', async () => {
		server = await serveDescription('127.0.0.1', () => description);
		await expect(joinTestnet(server.url.replace('testnet.json', 'other'))).rejects.toThrow(/answered 404/);
	});
});
