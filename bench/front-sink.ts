import net from 'node:net';

export type Sink = {port: number; close: () => Promise<void>};

/** One chunk, written again and again: the sink's bytes cost it nothing but the write. */
const chunk = Buffer.alloc(64 * 1024, 0x61);

/**
 * The benchmark's target: each connection asks for a number of bytes (4 bytes, big-endian) and the
 * sink sends that many, respecting backpressure, then ends. Nothing is sent before the ask, so a
 * tunnel can be opened and timed on its own, and a transfer starts when the client says so.
 */
export async function startSink(): Promise<Sink> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer(socket => {
		sockets.add(socket);
		socket.on('error', () => undefined);
		socket.once('close', () => sockets.delete(socket));
		const onReadable = (): void => {
			const ask = socket.read(4) as Buffer | null;
			if (ask !== null) {
				socket.off('readable', onReadable);
				send(socket, ask.readUInt32BE(0));
			}
		};

		socket.on('readable', onReadable);
		socket.once('end', () => socket.end());
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		// Port 0 lands in the kernel's ephemeral range, which the testnet's exits accept.
		server.listen({host: '127.0.0.1', port: 0}, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	return {
		port: typeof address === 'object' && address ? address.port : 0,
		async close() {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		},
	};
}

function send(socket: net.Socket, total: number): void {
	let left = total;
	const pump = (): void => {
		while (left > 0) {
			const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
			left -= piece.length;
			if (!socket.write(piece)) {
				socket.once('drain', pump);
				return;
			}
		}

		socket.end();
	};

	pump();
}
