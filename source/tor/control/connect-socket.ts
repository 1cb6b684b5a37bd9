import net from 'node:net';
import {TorControlClosedError} from './errors/tor-control-closed-error.js';
import {TorControlTimeoutError} from './errors/tor-control-timeout-error.js';

/** Open a TCP connection, failing after `timeoutMs` or when `signal` aborts; no socket is left behind on failure. */
export async function connectSocket(options: {host: string; port: number; timeoutMs: number; signal: AbortSignal}): Promise<net.Socket> {
	const {host, port, timeoutMs, signal} = options;
	return new Promise<net.Socket>((resolve, reject) => {
		const socket = net.connect({host, port});
		let settled = false;
		const settle = (error?: Error) => {
			if (settled) {
				return;
			}

			settled = true;
			clearTimeout(timer);
			socket.off('error', settle);
			socket.off('close', onClose);
			signal.removeEventListener('abort', onAbort);
			if (error) {
				socket.destroy();
				reject(error);
			} else {
				resolve(socket);
			}
		};

		const onClose = () => {
			settle(new TorControlClosedError(`the connection to ${host}:${port} closed while connecting`));
		};

		const onAbort = () => {
			settle(new TorControlClosedError(`closed while connecting to ${host}:${port}`));
		};

		const timer = setTimeout(() => {
			settle(new TorControlTimeoutError(`connecting to the Tor control port ${host}:${port}`, timeoutMs));
		}, timeoutMs);
		socket.once('error', settle);
		socket.once('close', onClose);
		socket.once('connect', () => {
			settle();
		});
		signal.addEventListener('abort', onAbort, {once: true});
		if (signal.aborted) {
			onAbort();
		}
	});
}
