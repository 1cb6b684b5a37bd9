import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {execa} from 'execa';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {startCli, stopAllClis, type CliProcess} from '../helpers/cli.js';

const hasTor = (await execa('tor', ['--version'], {reject: false})).exitCode === 0;

/** Loaded into the CLI with --import: SIGUSR2 makes it throw from an event handler, as a bug would. */
const directory = mkdtempSync(path.join(tmpdir(), 'nightcrawler-crash-'));
const crashOnSignal = path.join(directory, 'crash-on-sigusr2.mjs');
writeFileSync(crashOnSignal, 'process.on(\'SIGUSR2\', () => {\n\tthrow new Error(\'injected crash\');\n});\n');

/** Start `nightcrawler testnet` and resolve with its client torrc once its network is up. */
async function startTestnet(): Promise<{testnet: CliProcess; torrc: string}> {
	const testnet = startCli(['testnet', '--exits', '1', '--format', 'json'], {nodeArgs: ['--import', pathToFileURL(crashOnSignal).href]});
	const line = await testnet.stdout.waitForLine(text => text.startsWith('{'), {timeoutMs: 120_000});
	const {torrc} = JSON.parse(line) as {torrc: string};
	expect(existsSync(torrc)).toBe(true);
	return {testnet, torrc};
}

describe.skipIf(!hasTor)('nightcrawler testnet when something crashes', () => {
	afterEach(async () => {
		await stopAllClis();
	});

	afterAll(() => {
		rmSync(directory, {recursive: true, force: true});
	});

	it('reports an uncaught exception in one line, stops the network, and exits 1', async () => {
		const {testnet, torrc} = await startTestnet();
		testnet.subprocess.kill('SIGUSR2');
		const result = await testnet.exited;
		expect(result.exitCode).toBe(1);
		expect(testnet.stderr.lines).toContain('nightcrawler: injected crash');
		expect(testnet.stderr.lines.filter(line => /^\s+at /.test(line))).toEqual([]);
		expect(testnet.stderr.lines.at(-1)).toBe('testnet: stopped');
		expect(existsSync(torrc)).toBe(false);
	}, 180_000);

	it('stops the network when stderr is gone (EPIPE), and exits 1', async () => {
		const {testnet, torrc} = await startTestnet();
		testnet.subprocess.stderr?.destroy();
		// Its next progress line ("stopped by SIGTERM ...") meets EPIPE.
		testnet.subprocess.kill('SIGTERM');
		const result = await testnet.exited;
		expect(result.exitCode).toBe(1);
		expect(existsSync(torrc)).toBe(false);
	}, 180_000);
});
