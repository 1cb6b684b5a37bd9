import net from 'node:net';

/** Open a TCP connection; resolves once connected. The caller owns (and destroys) the socket. */
export async function connectTcp(host: string, port: number, onSocket: (socket: net.Socket) => void): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({host, port});
		// Hand the socket over at once, so a deadline can destroy it while it is still connecting.
		onSocket(socket);
		const onError = (error: Error): void => {
			socket.off('connect', onConnect);
			reject(error);
		};

		const onClose = (): void => {
			socket.off('connect', onConnect);
			reject(socket.errored ?? new Error(`connection to ${host}:${port} closed while connecting`));
		};

		function onConnect(): void {
			socket.off('error', onError);
			socket.off('close', onClose);
			resolve(socket);
		}

		socket.once('error', onError);
		socket.once('close', onClose);
		socket.once('connect', onConnect);
	});
}
