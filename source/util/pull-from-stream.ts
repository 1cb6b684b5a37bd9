import type {Duplex} from 'node:stream';

/**
 * Run `step` each time `stream` has data (paused mode: `step` calls `stream.read()` itself) until it
 * returns a value. `step(true)` is the last call, once the stream has ended. Rejects with the stream's
 * error, with `earlyEnd()` when the stream ends or closes before `step` returned a value, or with what
 * `step` threw. Removes its listeners before settling, so calls can follow one another on one stream.
 */
export async function pullFromStream<T>(
	stream: Duplex,
	step: (ended: boolean) => T | undefined,
	earlyEnd: () => Error,
): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		let settled = false;
		const settle = (outcome: () => void): void => {
			if (settled) {
				return;
			}

			settled = true;
			stream.off('readable', onReadable);
			stream.off('end', onEnd);
			stream.off('close', onClose);
			stream.off('error', onError);
			outcome();
		};

		const attempt = (ended: boolean): void => {
			let result: T | undefined;
			try {
				result = step(ended);
			} catch (error) {
				settle(() => {
					reject(error);
				});
				return;
			}

			if (result !== undefined) {
				const value = result;
				settle(() => {
					resolve(value);
				});
			} else if (ended) {
				settle(() => {
					reject(earlyEnd());
				});
			}
		};

		function onReadable(): void {
			attempt(false);
		}

		function onEnd(): void {
			attempt(true);
		}

		function onClose(): void {
			settle(() => {
				reject(stream.errored ?? earlyEnd());
			});
		}

		function onError(error: Error): void {
			settle(() => {
				reject(error);
			});
		}

		if (stream.errored) {
			reject(stream.errored);
			return;
		}

		if (stream.readableEnded) {
			attempt(true);
			return;
		}

		if (stream.destroyed) {
			reject(earlyEnd());
			return;
		}

		stream.on('readable', onReadable);
		stream.on('end', onEnd);
		stream.on('close', onClose);
		stream.on('error', onError);
		attempt(false);
	});
}

/** Read exactly `size` bytes (paused mode; bytes after them stay in the stream). */
export async function readExactly(stream: Duplex, size: number, earlyEnd: () => Error): Promise<Buffer> {
	return pullFromStream(stream, () => {
		const chunk = stream.read(size) as Buffer | null;
		if (chunk === null) {
			return undefined;
		}

		if (chunk.length < size) {
			// The stream ended with fewer bytes: read() hands out the rest.
			throw earlyEnd();
		}

		return chunk;
	}, earlyEnd);
}

/**
 * Read up to and including the first `delimiter`; anything after it is pushed back into the stream.
 * Throws `tooLong()` when `maxBytes` arrive without the delimiter.
 */
export async function readThrough(
	stream: Duplex,
	delimiter: string,
	limits: {maxBytes: number; tooLong: () => Error; earlyEnd: () => Error},
): Promise<Buffer> {
	let received = Buffer.alloc(0);
	return pullFromStream(stream, () => {
		let chunk: Buffer | null;
		while ((chunk = stream.read() as Buffer | null) !== null) {
			received = Buffer.concat([received, chunk]);
			const index = received.indexOf(delimiter);
			if (index !== -1) {
				const end = index + delimiter.length;
				if (end < received.length) {
					stream.unshift(received.subarray(end));
				}

				return received.subarray(0, end);
			}

			if (received.length > limits.maxBytes) {
				throw limits.tooLong();
			}
		}

		return undefined;
	}, limits.earlyEnd);
}
