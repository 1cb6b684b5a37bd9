import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The README's library example, run as written against the built package (imported by its name, as a
 * user would), with two substitutions only: the test's redis-server, and a memory pool instead of
 * Tor (there is no internet here). Needs `npm run build` (npm test runs it first).
 */
describe('the README library example', () => {
	let redis: RedisServer;
	let directory: string;

	beforeAll(async () => {
		redis = await startTestRedis();
		// Inside the package, so `import ... from 'nightcrawler'` resolves to this package by its own name.
		directory = await mkdtemp(path.join(root, 'dist', 'readme-example-'));
	});

	afterAll(async () => {
		await redis?.stop();
		await rm(directory, {recursive: true, force: true});
	});

	it('runs: a proxy is leased, rotated to a new exit, destroyed, and everything closes with exit code 0', async () => {
		const readme = await readFile(path.join(root, 'README.md'), 'utf8');
		const example = /## Library\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
		expect(example, 'the README has a Library section with a ts block').toBeDefined();
		const substituted = example!
			.replaceAll('redis://127.0.0.1:6379', redis.url)
			.replace("import {Client, Provider, TorBackend} from 'nightcrawler';", "import {Client, Provider, MemoryBackend} from 'nightcrawler';")
			.replace('new TorBackend({count: 5})', 'new MemoryBackend({count: 5})');
		expect(substituted).not.toContain('TorBackend');
		// Report what the example printed and what the proxy looked like around its rotation.
		const file = path.join(directory, 'example.mjs');
		await writeFile(file, substituted.replace('await proxy.rotate();', 'const before = proxy.exitIp;\nawait proxy.rotate();\nconsole.log(`rotated ${before} -> ${proxy.exitIp}`);'));
		const run = await execa(process.execPath, [file], {cwd: directory, reject: false, timeout: 60_000});
		expect(run.stderr).toBe('');
		expect(run.exitCode).toBe(0);
		const lines = run.stdout.split('\n');
		expect(lines[0]).toMatch(/^socks5h:\/\/\S+ http:\/\/\S+ \S+ [\da-f-]{36} [\da-f-]{36}$/);
		const rotated = /^rotated (\S+) -> (\S+)$/.exec(lines[1] ?? '');
		expect(rotated, lines.join('\n')).not.toBeNull();
		expect(rotated![1]).not.toBe(rotated![2]);
	});
});
