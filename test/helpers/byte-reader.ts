import type {Socket} from 'node:net';

/** Reads exact byte counts from a socket, for the tiny protocol servers in tests. */
export class ByteReader {
	private buffered = Buffer.alloc(0);
	private waiter: (() => void) | undefined;
	private ended = false;

	private readonly onData = (chunk: Buffer): void => {
		this.buffered = Buffer.concat([this.buffered, chunk]);
		this.waiter?.();
	};

	private readonly onFinish = (): void => {
		this.ended = true;
		this.waiter?.();
	};

	constructor(private readonly socket: Socket) {
		socket.on('data', this.onData);
		socket.on('end', this.onFinish);
		socket.on('close', this.onFinish);
		socket.on('error', this.onFinish);
	}

	async take(size: number): Promise<Buffer> {
		while (this.buffered.length < size) {
			if (this.ended) {
				throw new Error('peer closed');
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise<void>(resolve => {
				this.waiter = resolve;
			});
			this.waiter = undefined;
		}

		const chunk = this.buffered.subarray(0, size);
		this.buffered = this.buffered.subarray(size);
		return chunk;
	}

	/** Everything up to and including `delimiter`. */
	async takeThrough(delimiter: string): Promise<Buffer> {
		for (;;) {
			const index = this.buffered.indexOf(delimiter);
			if (index !== -1) {
				// eslint-disable-next-line no-await-in-loop
				return this.take(index + delimiter.length);
			}

			if (this.ended) {
				throw new Error('peer closed');
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise<void>(resolve => {
				this.waiter = resolve;
			});
			this.waiter = undefined;
		}
	}

	/** Stop reading; returns the bytes received but not taken. The caller takes over the socket. */
	detach(): Buffer {
		this.socket.off('data', this.onData);
		this.socket.off('end', this.onFinish);
		this.socket.off('close', this.onFinish);
		this.socket.off('error', this.onFinish);
		this.socket.pause();
		return this.buffered;
	}
}
