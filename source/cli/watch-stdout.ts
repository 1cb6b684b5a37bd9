import fs from 'node:fs';
import net from 'node:net';
import {watchPipeReaders} from './pipe-readers.js';

/**
 * Learn at once that nobody reads stdout any more, not at the next write: a client holding its
 * leases quietly (`nightcrawler client | head -3`) must give them back and end the pipeline.
 * Linux only; elsewhere the next write's EPIPE tells. Returns a function that stops watching.
 */
function watchReaderGone(onGone: () => void): (() => void) | undefined {
	if (process.platform !== 'linux') {
		return undefined;
	}

	const stat = fs.fstatSync(1);
	if (stat.isFIFO()) {
		return watchPipeReaders(onGone);
	}

	if (stat.isSocket()) {
		// A socket is two-way: reading it gives EOF when the peer closes. This shares fd 1 with
		// process.stdout (libuv never closes fds 0-2), which is safe while stdout's writes do not back up.
		const socket = new net.Socket({fd: 1, readable: true, writable: false});
		socket.on('end', onGone);
		socket.on('error', onGone);
		socket.on('data', () => undefined);
		socket.unref();
		return () => {
			socket.off('end', onGone);
			socket.off('error', onGone);
			socket.destroy();
		};
	}

	return undefined;
}

/**
 * Call `onClosed` once when stdout can no longer be written or read by anyone: an error on it
 * (EPIPE), its 'close', or its reader going away. Returns a function that stops watching.
 */
export function watchStdoutClosed(onClosed: () => void): () => void {
	let fired = false;
	const fire = () => {
		if (!fired) {
			fired = true;
			onClosed();
		}
	};

	process.stdout.on('error', fire);
	process.stdout.on('close', fire);
	let stopWatching: (() => void) | undefined;
	try {
		stopWatching = watchReaderGone(fire);
	} catch {
		// /proc unreadable, or the like: the next write's EPIPE tells.
	}

	return () => {
		// 'error' stays handled: an unhandled one on stdout would crash with a stack trace.
		process.stdout.off('close', fire);
		stopWatching?.();
	};
}
