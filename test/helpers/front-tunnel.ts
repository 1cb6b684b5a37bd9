import net from 'node:net';
import {execa} from 'execa';
import {inject} from 'vitest';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {socks5Handshake} from '../../source/util/socks5-handshake.js';

export type FrontCredentials = {username: string; password: string};

/** curl with a deadline, never throwing: look at `exitCode` and `stdout`. */
export async function curl(...args: string[]) {
	return execa('curl', ['-sS', '--max-time', '30', ...args], {reject: false});
}

/**
 * A SOCKS5 CONNECT through the front to the testnet's echo server by name, left open with nothing
 * sent on it (the echo server keeps a connection that has not sent a request for a minute). Its
 * `closed` settles with the time the test saw it close.
 */
export async function openTunnel(host: string, port: number, {username, password}: FrontCredentials): Promise<{socket: net.Socket; closed: Promise<number>}> {
	const {checkHost, checkHostUrl} = inject('testnet');
	const socket = net.connect({host, port});
	// Registered at once, so a close during the handshake is seen too.
	const closed = new Promise<number>(resolve => {
		socket.once('close', () => {
			resolve(Date.now());
		});
	});
	socket.on('error', () => undefined);
	await new Promise((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('error', reject);
	});
	// A success reply means Tor reached the echo server through the lease's exit.
	await socks5Handshake(socket, {host: checkHost, port: Number(new URL(checkHostUrl).port), username, password});
	return {socket, closed};
}

/** Credentials in a proxy URL (percent-encoded in it). */
export function withCredentials(url: string, {username, password}: FrontCredentials): string {
	const parsed = new URL(url);
	parsed.username = encodeURIComponent(username);
	parsed.password = encodeURIComponent(password);
	return parsed.href.replace(/\/$/, '');
}

/**
 * What each front port makes of these credentials: the exit the echo server saw through SOCKS5 (by
 * name) and through HTTP (absolute-URI GET), or the failure (curl's exit code, the HTTP status).
 */
export async function tryFront({host, socksPort, httpPort}: {host: string; socksPort: number; httpPort: number}, credentials: FrontCredentials): Promise<{socks: string; http: string}> {
	const {checkHostUrl} = inject('testnet');
	const socks = await curl('-x', withCredentials(`socks5h://${host}:${socksPort}`, credentials), checkHostUrl);
	const http = await curl('-x', withCredentials(`http://${host}:${httpPort}`, credentials), '-w', '\n%{http_code}', checkHostUrl);
	const [body = '', status = ''] = http.stdout.split('\n');
	return {
		socks: socks.exitCode === 0 ? parseCheckBody(socks.stdout) ?? `unparsed: ${socks.stdout}` : `curl exit ${socks.exitCode}`,
		http: status === '200' ? parseCheckBody(body) ?? `unparsed: ${body}` : `HTTP ${status}`,
	};
}
