import type {ClientProxy} from '../core/client-proxy.js';

/**
 * Hosts that never go through the proxy unless the user's own NO_PROXY says otherwise. No bare
 * `127.0.0.1` or `::1`: Python requests matches entries as suffixes of any non-IPv4 host, so those
 * would send `http://[2001:db8::1]/` or `http://[2001:db8::127.0.0.1]/` (a redirect away) straight
 * out. The CIDR form is matched only against IPv4 hosts (curl, requests, Go; the fetch preload too),
 * and `[::1]` only as written (undici). wget knows no CIDR: it sends 127.0.0.1 to the proxy.
 */
export const loopbackNoProxy = 'localhost,127.0.0.0/8,[::1]';

export type ProxyEnvOptions = {
	/** The environment run itself was given (NODE_OPTIONS and NO_PROXY are read from it). */
	readonly parentEnv: NodeJS.ProcessEnv;
	/** Absolute path of the preload that makes Node's built-in fetch use the proxy. */
	readonly preloadPath: string;
};

/**
 * The variables `nightcrawler run` sets for its command, on top of its own environment.
 *
 * HTTP_PROXY, HTTPS_PROXY and ALL_PROXY (and the lower-case forms: curl and wget read only those)
 * all get the first proxy's HTTP URL, which answers both CONNECT and absolute-URI requests, so
 * curl, wget, Python requests/httpx/aiohttp, Scrapy, Go, Chromium and undici all take it (a SOCKS
 * URL there breaks most of them). A proxy without an HTTP URL falls back to its socks5h:// URL.
 * NIGHTCRAWLER_PROXIES lists every proxy's socks5h:// URL and NIGHTCRAWLER_HTTP_PROXIES every HTTP
 * URL, in the same order, comma-separated (credentials are percent-encoded, so no URL holds a comma).
 *
 * NO_PROXY: loopback (`loopbackNoProxy`) goes direct, so a scraper still reaches its own
 * local services (Splash, Selenium, a local API), which a Tor exit would refuse anyway; traffic to
 * loopback never leaves the machine. A NO_PROXY or no_proxy the user set (even empty) is kept as is.
 *
 * NODE_OPTIONS gains `--require <preload>` (after the user's own options), which makes built-in
 * fetch use the proxy in every Node process and worker thread of the command, and refuse when it
 * cannot (`--import` would miss worker threads on Node 20). NODE_USE_ENV_PROXY=1
 * asks Node versions that know it (not Node 20) to make `http`/`https` honour the variables too.
 */
export function proxyEnv(proxies: ReadonlyArray<Pick<ClientProxy, 'url' | 'httpUrl'>>, {parentEnv, preloadPath}: ProxyEnvOptions): Record<string, string> {
	const [first] = proxies;
	if (!first) {
		return {};
	}

	const http = first.httpUrl ?? first.url;
	const noProxy = parentEnv.no_proxy ?? parentEnv.NO_PROXY ?? loopbackNoProxy;
	const env: Record<string, string> = {
		HTTP_PROXY: http,
		http_proxy: http,
		HTTPS_PROXY: http,
		https_proxy: http,
		ALL_PROXY: http,
		all_proxy: http,
		NO_PROXY: noProxy,
		no_proxy: noProxy,
		NIGHTCRAWLER_PROXIES: proxies.map(proxy => proxy.url).join(','),
		NODE_OPTIONS: withPreload(parentEnv.NODE_OPTIONS, preloadPath),
		NODE_USE_ENV_PROXY: '1',
	};
	const httpUrls = proxies.map(proxy => proxy.httpUrl);
	if (httpUrls.every(url => url !== undefined)) {
		env.NIGHTCRAWLER_HTTP_PROXIES = httpUrls.join(',');
	}

	return env;
}

/**
 * `nodeOptions` with `--require "<path>"` after them. Node splits NODE_OPTIONS at spaces outside
 * double quotes and takes a backslash inside them as escaping the next character: so the path is
 * quoted, its backslashes and quotes escaped, and any install path works.
 */
export function withPreload(nodeOptions: string | undefined, preloadPath: string): string {
	const option = `--require "${preloadPath.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
	return nodeOptions === undefined || nodeOptions.trim() === '' ? option : `${nodeOptions} ${option}`;
}
