/**
 * The torrc lines of the private network's nodes, as plain data (no I/O). A node is started by the
 * product's TorProcess, which adds DataDirectory, its SocksPort and ControlPort, cookie
 * authentication, __OwningControllerProcess, `Log notice stdout` and no GeoIP.
 */

export type AuthorityInfo = {
	nickname: string;
	orPort: number;
	dirPort: number;
	/** The v3 identity from tor-gencert's certificate. */
	v3ident: string;
	/** The relay identity fingerprint. */
	fingerprint: string;
	/** The address its ORPort and DirPort listen on (default 127.0.0.1). */
	address?: string;
};

export type ExitInfo = {
	nickname: string;
	orPort: number;
	fingerprint: string;
	/** The source address of its exit connections, e.g. 127.0.0.2. */
	exitAddress: string;
	/** The address its ORPort listens on (default 127.0.0.1). */
	address?: string;
};

export type NodePaths = {
	/** A resolv.conf naming the testnet's DNS server. */
	resolvConf: string;
};

/** Quote a value for a torrc line (a C-style string, as Tor reads quoted values). */
export function torrcQuote(value: string): string {
	return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export function dirAuthorityLine(authority: AuthorityInfo): string {
	return `DirAuthority ${authority.nickname} orport=${authority.orPort} no-v2 v3ident=${authority.v3ident} ${authority.address ?? '127.0.0.1'}:${authority.dirPort} ${authority.fingerprint}`;
}

/** What any Tor instance, client or relay, needs to join the network. */
export function clientTorrcLines(authorities: AuthorityInfo[]): string[] {
	return ['TestingTorNetwork 1', ...authorities.map(authority => dirAuthorityLine(authority))];
}

function relayLines(relay: {nickname: string; orPort: number; address?: string}, authorities: AuthorityInfo[], paths: NodePaths): string[] {
	const address = relay.address ?? '127.0.0.1';
	return [
		...clientTorrcLines(authorities),
		`Nickname ${relay.nickname}`,
		`Address ${address}`,
		`ORPort ${address}:${relay.orPort}`,
		'AssumeReachable 1',
		'ContactInfo nightcrawler-testnet',
		// The testnet's own DNS server on loopback, never the machine's resolver.
		`ServerDNSResolvConfFile ${torrcQuote(paths.resolvConf)}`,
		'ServerDNSDetectHijacking 0',
		'ServerDNSAllowBrokenConfig 1',
		'ShutdownWaitLength 0',
	];
}

export function authorityTorrc(
	authority: AuthorityInfo,
	network: {authorities: AuthorityInfo[]; exits: ExitInfo[]},
	paths: NodePaths,
): string[] {
	return [
		...relayLines(authority, network.authorities, paths),
		`DirPort ${authority.address ?? '127.0.0.1'}:${authority.dirPort}`,
		'AuthoritativeDirectory 1',
		'V3AuthoritativeDirectory 1',
		'ExitRelay 0',
		'ExitPolicy reject *:*',
		// Fast voting; lower values are refused, VoteDelay + DistDelay must stay under half the interval.
		'TestingV3AuthInitialVotingInterval 5',
		'TestingV3AuthInitialVoteDelay 2',
		'TestingV3AuthInitialDistDelay 2',
		'V3AuthVotingInterval 10',
		'V3AuthVoteDelay 2',
		'V3AuthDistDelay 2',
		// Only authorities are guards, so every exit stays free for the exit hop.
		`TestingDirAuthVoteGuard ${network.authorities.map(({fingerprint}) => `$${fingerprint}`).join(',')}`,
		'TestingDirAuthVoteGuardIsStrict 1',
		`TestingDirAuthVoteExit ${network.exits.map(({fingerprint}) => `$${fingerprint}`).join(',')}`,
		'TestingDirAuthVoteExitIsStrict 1',
	];
}

export function exitTorrc(
	exit: ExitInfo,
	network: {authorities: AuthorityInfo[]; portRange: [number, number]},
	paths: NodePaths,
): string[] {
	const [low, high] = network.portRange;
	return [
		...relayLines(exit, network.authorities, paths),
		'ExitRelay 1',
		'IPv6Exit 1',
		'ExitPolicyRejectPrivate 0',
		'ExitPolicyRejectLocalInterfaces 0',
		'ExitPolicy accept 127.0.0.0/8:*',
		// Clients judge exits by microdescriptor policy summaries, which only list ports accepted for
		// (almost) every address: without these, fresh circuits to the echo server are refused.
		`ExitPolicy accept *:${low}-${high}`,
		`ExitPolicy accept6 *6:${low}-${high}`,
		'ExitPolicy reject *:*',
		// An exit refuses a stream whose previous hop is not in its own consensus ("open a stream from
		// unknown relay", END reason misc, SOCKS 0x01). In the network's first minute an exit may still
		// hold a consensus that lacks a relay clients already use as a middle hop.
		'RefuseUnknownExits 0',
		// Tor skips the bind for 127.0.0.0/8 destinations, not for IPv4-mapped ones: reached at
		// [::ffff:127.0.0.1], the echo server sees this exit's own address.
		`OutboundBindAddressExit [::ffff:${exit.exitAddress}]`,
	];
}
