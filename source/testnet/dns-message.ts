/** Just enough of the DNS wire format (RFC 1035) to answer one question per query. No I/O. */

export const dnsType = {a: 1, aaaa: 28} as const;
export const dnsRcode = {noError: 0, nxDomain: 3, notImp: 4} as const;

const headerLength = 12;
const classIn = 1;
const flagResponse = 0x80_00;
const flagAuthoritative = 0x04_00;
const flagTruncated = 0x02_00;
const flagRecursionDesired = 0x01_00;

export type DnsQuery = {
	id: number;
	/** 0 for a standard query. */
	opcode: number;
	recursionDesired: boolean;
	/** The name as asked, without the trailing dot; case kept (resolvers randomize it, 0x20 encoding). */
	name: string;
	type: number;
	class: number;
	/** The question section exactly as received, echoed back in the answer. */
	question: Buffer;
};

export type DnsRecord = {
	type: number;
	/** RDATA: 4 bytes for A, 16 for AAAA. */
	data: Buffer;
	ttl: number;
};

/**
 * Parse a query with exactly one question. Undefined for anything else: a response, a truncated
 * or malformed packet, compression pointers in the question (never used in queries), trailing sections.
 */
export function parseDnsQuery(packet: Buffer): DnsQuery | undefined {
	if (packet.length < headerLength) {
		return undefined;
	}

	const flags = packet.readUInt16BE(2);
	const [questions, answers, authorities] = [packet.readUInt16BE(4), packet.readUInt16BE(6), packet.readUInt16BE(8)];
	if ((flags & flagResponse) !== 0 || (flags & flagTruncated) !== 0 || questions !== 1 || answers !== 0 || authorities !== 0) {
		return undefined;
	}

	const labels: string[] = [];
	let offset = headerLength;
	for (;;) {
		const length = packet[offset];
		if (length === undefined || length > 63) {
			return undefined;
		}

		offset += 1;
		if (length === 0) {
			break;
		}

		if (offset + length > packet.length) {
			return undefined;
		}

		labels.push(packet.toString('latin1', offset, offset + length));
		offset += length;
	}

	// The additional section may hold an EDNS OPT record, which we ignore (and do not echo).
	if (offset + 4 > packet.length || offset - headerLength > 255) {
		return undefined;
	}

	return {
		id: packet.readUInt16BE(0),
		opcode: (flags >> 11) & 0x0F,
		recursionDesired: (flags & flagRecursionDesired) !== 0,
		name: labels.join('.'),
		type: packet.readUInt16BE(offset),
		class: packet.readUInt16BE(offset + 2),
		question: packet.subarray(headerLength, offset + 4),
	};
}

/** An authoritative answer to `query`: its question echoed, then `records` for the asked name. */
export function buildDnsResponse(query: DnsQuery, rcode: number, records: DnsRecord[] = []): Buffer {
	const header = Buffer.alloc(headerLength);
	header.writeUInt16BE(query.id, 0);
	header.writeUInt16BE(flagResponse | (query.opcode << 11) | flagAuthoritative | (query.recursionDesired ? flagRecursionDesired : 0) | rcode, 2);
	header.writeUInt16BE(1, 4);
	header.writeUInt16BE(records.length, 6);
	const answers = records.map(record => {
		const fixed = Buffer.alloc(12);
		// A pointer to the name in the question, which starts right after the header.
		fixed.writeUInt16BE(0xC0_00 | headerLength, 0);
		fixed.writeUInt16BE(record.type, 2);
		fixed.writeUInt16BE(classIn, 4);
		fixed.writeUInt32BE(record.ttl, 6);
		fixed.writeUInt16BE(record.data.length, 10);
		return Buffer.concat([fixed, record.data]);
	});
	return Buffer.concat([header, query.question, ...answers]);
}

/** The response to `query` from a zone that knows only the names in `zone` (lower case, no trailing dot). */
export function answerDnsQuery(query: DnsQuery, zone: ReadonlyMap<string, DnsRecord[]>): Buffer {
	if (query.opcode !== 0) {
		return buildDnsResponse(query, dnsRcode.notImp);
	}

	const records = query.class === classIn ? zone.get(query.name.toLowerCase()) : undefined;
	if (records === undefined) {
		return buildDnsResponse(query, dnsRcode.nxDomain);
	}

	// A known name without records of the asked type: NOERROR and no answer (NODATA).
	return buildDnsResponse(query, dnsRcode.noError, records.filter(record => record.type === query.type));
}

/** Dot-separated labels of letters, digits and hyphens (at least two labels, not an IPv4 literal). */
export function isDnsName(name: string): boolean {
	const label = '(?!-)[a-zA-Z\\d-]{1,63}(?<!-)';
	return name.length <= 253 && new RegExp(`^${label}(?:\\.${label})+$`).test(name) && !/^[\d.]+$/.test(name);
}
