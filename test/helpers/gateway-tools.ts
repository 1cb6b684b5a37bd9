import {execa} from 'execa';
import {ProxyAgent} from 'undici';
import {parseCheckBody} from '../../source/util/parse-check-body.js';

/** The exit a tool's request left from, read from the check page's answer (or an HTML page holding it). */
export function exitOf(output: string): string | undefined {
	const json = /\{[^{}]*"IP"[^{}]*\}/.exec(output)?.[0];
	return parseCheckBody(json ?? output);
}

const timeout = 60_000;

/** curl through a proxy URL; `tunnel` forces CONNECT for an http:// page. */
export async function viaCurl(proxyUrl: string, url: string, {tunnel = false} = {}): Promise<string> {
	const {stdout} = await execa('curl', ['-sS', '--max-time', '45', '--proxy', proxyUrl, ...(tunnel ? ['--proxytunnel'] : []), url], {timeout});
	return stdout;
}

const pythonRequests = `
import sys, requests
proxy, url = sys.argv[1], sys.argv[2]
print(requests.get(url, proxies={"http": proxy, "https": proxy}, timeout=45).text)
`;

const pythonHttpx = `
import sys, httpx
proxy, url = sys.argv[1], sys.argv[2]
print(httpx.get(url, proxies=proxy, timeout=45).text)
`;

/** Python requests (HTTP proxy, or socks5h:// with its socks extra). */
export async function viaRequests(proxyUrl: string, url: string): Promise<string> {
	const {stdout} = await execa('/usr/bin/python3', ['-c', pythonRequests, proxyUrl, url], {timeout});
	return stdout;
}

/** Python httpx (HTTP proxy, or socks5:// with socksio). */
export async function viaHttpx(proxyUrl: string, url: string): Promise<string> {
	const {stdout} = await execa('/usr/bin/python3', ['-c', pythonHttpx, proxyUrl, url], {timeout});
	return stdout;
}

/** Node's built-in fetch through undici's ProxyAgent (CONNECT). */
export async function viaNodeFetch(proxyUrl: string, url: string): Promise<string> {
	const agent = new ProxyAgent(proxyUrl);
	try {
		const response = await fetch(url, {dispatcher: agent});
		return await response.text();
	} finally {
		await agent.close();
	}
}

/** Chromium headless, which cannot send proxy credentials: a per-port session. */
export async function viaChromium(proxyPort: number, url: string): Promise<string> {
	const {stdout} = await execa('/usr/bin/chromium', [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--no-first-run',
		'--disable-dev-shm-usage',
		`--proxy-server=http://127.0.0.1:${proxyPort}`,
		'--dump-dom',
		url,
	], {timeout: 90_000});
	return stdout;
}
