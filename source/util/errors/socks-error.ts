/** What a SOCKS5 server's reply code means (RFC 1928 section 6, plus Tor's extended onion-service codes). */
const replyMessages = new Map<number, string>([
	[0x01, 'general SOCKS server failure'],
	[0x02, 'connection not allowed by ruleset'],
	[0x03, 'network unreachable'],
	[0x04, 'host unreachable'],
	[0x05, 'connection refused'],
	[0x06, 'TTL expired'],
	[0x07, 'command not supported'],
	[0x08, 'address type not supported'],
	[0xF0, 'onion service descriptor can not be found'],
	[0xF1, 'onion service descriptor is invalid'],
	[0xF2, 'onion service introduction failed'],
	[0xF3, 'onion service rendezvous failed'],
	[0xF4, 'onion service missing client authorization'],
	[0xF5, 'onion service wrong client authorization'],
	[0xF6, 'onion service invalid address'],
	[0xF7, 'onion service introduction timed out'],
]);

export type SocksFailureStage = 'greeting' | 'authentication' | 'connect' | 'protocol';

/**
 * The SOCKS5 server refused or broke the handshake.
 * `replyCode` is the server's REP byte when it sent one (stage `connect`), otherwise undefined.
 */
export class SocksError extends Error {
	override readonly name = 'SocksError';
	readonly stage: SocksFailureStage;
	readonly replyCode: number | undefined;

	constructor(stage: SocksFailureStage, message: string, options?: {replyCode?: number; cause?: unknown}) {
		super(message, {cause: options?.cause});
		this.stage = stage;
		this.replyCode = options?.replyCode;
	}

	/** The error for a non-zero REP byte in the reply to CONNECT. */
	static fromReplyCode(replyCode: number, target: string): SocksError {
		const meaning = replyMessages.get(replyCode) ?? 'unknown failure';
		const hex = `0x${replyCode.toString(16).padStart(2, '0')}`;
		return new SocksError('connect', `SOCKS5 CONNECT to ${target} failed: ${meaning} (${hex})`, {replyCode});
	}
}
