/** Which of a bus's two Redis connections. */
export type ConnectionRole = 'publisher' | 'subscriber';

/**
 * A Redis connection that looked open did not answer a PING in time (a half-open link: the host
 * vanished, a NAT or firewall dropped the flow). The bus drops that connection and reconnects.
 */
export class RedisUnresponsiveError extends Error {
	override readonly name = 'RedisUnresponsiveError';

	constructor(readonly role: ConnectionRole, readonly waitedMs: number) {
		super(`Redis did not answer a PING on the ${role} connection within ${waitedMs} ms; reconnecting it`);
	}
}
