/** Where the front relays a connection it let through: a SOCKS5 server (Tor's SOCKS port, or another front). */
export type Upstream = {
	readonly host: string;
	readonly port: number;
	/** Credentials for the upstream, when it asks for them (another nightcrawler front does). */
	readonly username?: string;
	readonly password?: string;
};

export type FrontProtocol = 'socks5' | 'http';

/** What the front knows of a connection when it asks whether to let it through. */
export type AccessRequest = {
	readonly protocol: FrontProtocol;
	/** Undefined when the client sent none (a SOCKS5 client that offered no username/password, an HTTP request without Proxy-Authorization). */
	readonly credentials: {readonly username: string; readonly password: string} | undefined;
	readonly clientAddress: string;
	/** The front port the client connected to (a gateway may give each port its own session). */
	readonly localPort: number;
};

/** Let the connection through to `upstream`; `key` groups the connections that `revoke(key)` closes (a lease, a session). */
export type AccessGrant = {readonly ok: true; readonly key: string; readonly upstream: Upstream};

export type RefusalReason = 'no-credentials' | 'bad-credentials' | 'unavailable';

/**
 * Keep the connection out: `no-credentials` and `bad-credentials` get the protocol's authentication
 * refusal (SOCKS5 method or auth failure, HTTP 407); `unavailable` gets a SOCKS5 failure or HTTP 503,
 * with `message` as the HTTP body.
 */
export type AccessRefusal = {readonly ok: false; readonly reason: RefusalReason; readonly message?: string};

/**
 * The one question the front asks: authenticate → where to relay, or a refusal. The provider
 * answers it from its live leases; a gateway from its sessions. It must never throw; an answer that
 * takes time (a gateway waiting for a lease) is a promise.
 */
export type FrontAccess = (request: AccessRequest) => AccessGrant | AccessRefusal | Promise<AccessGrant | AccessRefusal>;
