import type {ClientProxy} from '../core/client-proxy.js';

/**
 * The environment `nightcrawler run` gives its command.
 *
 * ALL_PROXY and HTTP_PROXY get the socks5h:// URL (DNS resolved by Tor): curl, Go, git and most
 * tools that honour ALL_PROXY take it, and for plain http:// requests it is the only one that works,
 * because a proxy's http:// port is Tor's HTTPTunnelPort, which answers CONNECT and nothing else:
 * a client given it in HTTP_PROXY would send `GET http://...` and be refused.
 * HTTPS_PROXY gets that http:// CONNECT URL when there is one: every HTTPS client tunnels with
 * CONNECT, and many (Python requests without PySocks, wget, Node's undici) cannot speak SOCKS.
 * Both spellings are set: curl reads only the lower-case http_proxy.
 * NIGHTCRAWLER_PROXIES lists every proxy's socks5h:// URL, comma-separated (one line, easy to split
 * in any language; the URLs hold no commas).
 */
export function proxyEnv(proxies: readonly ClientProxy[]): Record<string, string> {
	const [first] = proxies;
	if (!first) {
		return {};
	}

	const socks = first.url;
	const https = first.httpUrl ?? first.url;
	return {
		ALL_PROXY: socks,
		all_proxy: socks,
		HTTP_PROXY: socks,
		http_proxy: socks,
		HTTPS_PROXY: https,
		https_proxy: https,
		NIGHTCRAWLER_PROXIES: proxies.map(proxy => proxy.url).join(','),
	};
}
