import {readFile, writeFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {wireJsonSchema} from '../../source/core/lease/wire-schema.js';

const file = new URL('../../docs/protocol.schema.json', import.meta.url);

describe('docs/protocol.schema.json', () => {
	it('is what the zod schemas generate (UPDATE_PROTOCOL_SCHEMA=1 rewrites it)', async () => {
		const generated = `${JSON.stringify(wireJsonSchema(), null, '\t')}\n`;
		if (process.env.UPDATE_PROTOCOL_SCHEMA === '1') {
			await writeFile(file, generated);
		}

		expect(await readFile(file, 'utf8')).toBe(generated);
	});

	it('describes the v2 shapes: a sealed link answer, proofs instead of secrets', () => {
		expect(wireJsonSchema()).toMatchObject({
			toClient: {'proxy:link': {required: expect.arrayContaining(['sealed', 'v', 'lease'])}},
			toProvider: {'proxy:heartbeat': {required: ['leaseId', 'seq', 'n', 'proof']}, 'proxy:link': {properties: {publicKey: {pattern: '^[\\w-]{43}$'}}}},
		});
	});
});
