import {z} from 'zod';
import {envelopeSchema} from '../bus/envelope.js';
import {clientInbound, providerInbound, sealedLeaseSchema} from './messages.js';

/**
 * The wire as JSON Schema (draft 2020-12), generated from the zod schemas the reference validates
 * with, so other languages validate exactly as it does. `docs/protocol.schema.json` holds the output;
 * `test/unit/protocol-schema.test.ts` keeps it in step (run it with UPDATE_PROTOCOL_SCHEMA=1 to rewrite).
 */
export function wireJsonSchema(): Record<string, unknown> {
	const convert = (schema: z.ZodType) => z.toJSONSchema(schema, {target: 'draft-2020-12', io: 'input', unrepresentable: 'throw'});
	const each = (schemas: Record<string, z.ZodType>) => Object.fromEntries(Object.entries(schemas).map(([event, schema]) => [event, convert(schema)]));
	return {
		$schema: 'https://json-schema.org/draft/2020-12/schema',
		title: 'nightcrawler wire protocol v2',
		description: 'Generated from source/core/lease/messages.ts and source/core/bus/envelope.ts by source/core/lease/wire-schema.ts; see docs/protocol.md. `envelope` checks every message; `toProvider` and `toClient` check its `data` by event and direction; `sealedLease` is the plaintext of a link answer\'s sealed box. String lengths count Unicode code points, as JSON Schema and the reference (zod 4) do.',
		envelope: convert(envelopeSchema),
		toProvider: each(providerInbound),
		toClient: each(clientInbound),
		sealedLease: convert(sealedLeaseSchema),
	};
}
