import {existsSync} from 'node:fs';
import {PassThrough} from 'node:stream';
import {z} from 'zod';
import {afterEach, describe, expect, test} from 'vitest';
import {runTestnetCommand} from '../../source/commands/testnet.js';

const printedSchema = z.object({torrc: z.string(), checkUrl: z.string(), checkHostUrl: z.string(), exits: z.array(z.string()), joinUrl: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+\/testnet\.json$/)}).strict();

let controller: AbortController | undefined;
let running: Promise<number> | undefined;
afterEach(async () => {
	controller?.abort();
	await running;
	controller = undefined;
	running = undefined;
});

/** Collect a stream's text and resolve `firstLine` at its first newline. */
function capture(stream: PassThrough): {text: () => string; firstLine: Promise<string>} {
	let text = '';
	const firstLine = new Promise<string>(resolve => {
		stream.on('data', (chunk: Buffer) => {
			text += chunk.toString('utf8');
			if (text.includes('\n')) {
				resolve(text.split('\n', 1)[0] ?? '');
			}
		});
	});
	return {text: () => text, firstLine};
}

describe('runTestnetCommand', () => {
	test('prints one JSON line, keeps the network up until stopped, then cleans up and resolves 0', async () => {
		const stdout = new PassThrough();
		const stderr = new PassThrough();
		const out = capture(stdout);
		const err = capture(stderr);
		controller = new AbortController();
		running = runTestnetCommand({exits: 3, json: false, stdout, stderr, signal: controller.signal});

		const printed = printedSchema.parse(JSON.parse(await out.firstLine));
		expect(printed.exits).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
		expect(printed.checkUrl).toMatch(/^http:\/\/\[::ffff:127\.0\.0\.1\]:\d+\/$/);
		expect(printed.checkHostUrl).toMatch(/^http:\/\/echo\.nightcrawler\.test:\d+\/$/);
		expect(existsSync(printed.torrc)).toBe(true);
		expect(err.text()).toContain('network usable');

		// Still up: the check URL answers directly (no SOCKS proxy in between, so no exit address).
		const answer = await fetch(printed.checkUrl.replace('[::ffff:127.0.0.1]', '127.0.0.1'));
		expect(answer.status).toBe(200);

		controller.abort();
		expect(await running).toBe(0);
		expect(out.text().trim().split('\n')).toHaveLength(1);
		expect(existsSync(printed.torrc)).toBe(false);
		expect(err.text()).toContain('stopped');
	}, 180_000);

	test('an interrupt before the network is up resolves 130 and leaves nothing behind', async () => {
		const stdout = new PassThrough();
		const stderr = new PassThrough();
		const err = capture(stderr);
		controller = new AbortController();
		const signal = controller.signal;
		stderr.on('data', () => {
			if (err.text().includes('starting') && !signal.aborted) {
				controller?.abort();
			}
		});
		running = runTestnetCommand({exits: 2, json: true, stdout, stderr, signal});
		expect(await running).toBe(130);
		expect(err.text()).toContain('interrupted');
		const dir = /in (\S+nightcrawler-testnet-\S+)\n/.exec(err.text())?.[1] ?? '';
		expect(dir).not.toBe('');
		expect(existsSync(dir)).toBe(false);
	}, 60_000);
});
