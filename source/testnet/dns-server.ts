import dgram from 'node:dgram';
import net from 'node:net';
import {answerDnsQuery, dnsType, parseDnsQuery, type DnsQuery, type DnsRecord} from './dns-message.js';

export type DnsServer = {
	host: string;
	port: number;
	/** `nameserver HOST:PORT`, the resolv.conf line Tor's resolver (libevent evdns) accepts. */
	resolvConfLine: string;
	close(): Promise<void>;
};

export type DnsServerOptions = {
	/** Default 127.0.0.1. */
	host?: string;
	/** Default 0: a free port. */
	port?: number;
	/** The only names it knows, each with its addresses (IPv4 → A, IPv6 → AAAA). */
	records: Array<{name: string; addresses: string[]}>;
	/** Default 60 s. */
	ttl?: number;
	/** Called for every query it answers. */
	onQuery?: (query: DnsQuery, response: Buffer) => void;
};

/**
 * A tiny authoritative DNS server over UDP: it answers for the configured names, NXDOMAIN for every
 * other name, and forwards nothing anywhere. Malformed packets get no answer. (Tor's resolver is
 * libevent 2.1's evdns, which only speaks UDP.) NXDOMAIN rather than REFUSED: evdns takes REFUSED
 * as a broken nameserver and stops using it for a while.
 */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
	const zone = buildZone(options.records, options.ttl ?? 60);
	const host = options.host ?? '127.0.0.1';
	const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
	socket.on('message', (packet, peer) => {
		const query = parseDnsQuery(packet);
		if (query === undefined) {
			return;
		}

		const response = answerDnsQuery(query, zone);
		options.onQuery?.(query, response);
		socket.send(response, peer.port, peer.address);
	});
	await new Promise<void>((resolve, reject) => {
		socket.once('error', reject);
		socket.bind({address: host, port: options.port ?? 0, exclusive: true}, () => {
			socket.off('error', reject);
			resolve();
		});
	});
	// A failed send (the asker gone) is no reason to stop serving.
	socket.on('error', () => undefined);
	const {port} = socket.address();
	let closing: Promise<void> | undefined;
	return {
		host,
		port,
		resolvConfLine: `nameserver ${net.isIPv6(host) ? `[${host}]` : host}:${port}`,
		async close() {
			closing ??= new Promise<void>(resolve => {
				socket.close(() => {
					resolve();
				});
			});
			return closing;
		},
	};
}

/** Lower-case names without a trailing dot, mapped to their A and AAAA records. */
export function buildZone(records: DnsServerOptions['records'], ttl: number): Map<string, DnsRecord[]> {
	const zone = new Map<string, DnsRecord[]>();
	for (const {name, addresses} of records) {
		const key = name.toLowerCase().replace(/\.$/, '');
		const entries = zone.get(key) ?? [];
		for (const address of addresses) {
			entries.push(net.isIPv4(address)
				? {type: dnsType.a, data: Buffer.from(address.split('.').map(Number)), ttl}
				: {type: dnsType.aaaa, data: ipv6Bytes(address), ttl});
		}

		zone.set(key, entries);
	}

	return zone;
}

/** The 16 bytes of an IPv6 literal (compressed, or with a dotted IPv4 tail such as ::ffff:127.0.0.1). */
export function ipv6Bytes(address: string): Buffer {
	if (!net.isIPv6(address)) {
		throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
	}

	// The URL parser normalizes to hex groups without a dotted tail, e.g. [::ffff:7f00:1].
	const normalized = new URL(`http://[${address}]/`).hostname.slice(1, -1);
	const [head = '', tail] = normalized.split('::');
	const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map(group => Number.parseInt(group, 16)));
	const first = groups(head);
	const last = tail === undefined ? [] : groups(tail);
	const bytes = Buffer.alloc(16);
	for (const [index, group] of [...first, ...Array.from({length: 8 - first.length - last.length}, () => 0), ...last].entries()) {
		bytes.writeUInt16BE(group, index * 2);
	}

	return bytes;
}
