import net from 'node:net';

/**
 * An HTTP CONNECT tunnel through a proxy to `target` (host:port), held open with nothing sent on
 * it. Resolves once the proxy answered 200; `closed` settles with the time the tunnel closed.
 */
export async function openConnectTunnel(proxy: {host: string; port: number}, target: string, credentials?: {username: string; password: string}): Promise<{socket: net.Socket; closed: Promise<number>}> {
	const socket = net.connect(proxy);
	socket.on('error', () => undefined);
	// Registered at once, so a close during the handshake is seen too.
	const closed = new Promise<number>(resolve => {
		socket.once('close', () => {
			resolve(Date.now());
		});
	});
	const authorization = credentials ? `Proxy-Authorization: Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}\r\n` : '';
	socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${authorization}\r\n`);
	const head = await new Promise<string>((resolve, reject) => {
		let received = '';
		const onData = (chunk: Buffer) => {
			received += chunk.toString('latin1');
			if (received.includes('\r\n\r\n')) {
				socket.off('data', onData);
				socket.off('close', onClose);
				socket.pause();
				resolve(received);
			}
		};

		const onClose = () => {
			reject(new Error(`the proxy closed the CONNECT tunnel to ${target} before answering: ${received}`));
		};

		socket.on('data', onData);
		socket.once('close', onClose);
	});
	if (!/^HTTP\/1\.[01] 200/.test(head)) {
		socket.destroy();
		throw new Error(`CONNECT ${target} refused: ${head.split('\r\n')[0] ?? ''}`);
	}

	return {socket, closed};
}
