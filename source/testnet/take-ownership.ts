import {readFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {readThrough} from '../util/pull-from-stream.js';

export type Ownership = {
	/** Close the control connection; Tor exits when it closes. */
	release(): void;
};

/**
 * Open Tor's control socket (`DATADIR/control`), authenticate with the cookie and send TAKEOWNERSHIP:
 * Tor then exits as soon as this connection closes, including when our process dies (about 1 s,
 * against 12-15 s for __OwningControllerProcess polling).
 */
export async function takeOwnership(dataDir: string, timeoutMs = 10_000): Promise<Ownership> {
	const cookie = await readFile(path.join(dataDir, 'control_auth_cookie'));
	const socket = net.connect({path: path.join(dataDir, 'control')});
	socket.on('error', () => undefined);
	const timer = setTimeout(() => socket.destroy(new Error(`no answer on the control socket of ${dataDir} within ${timeoutMs} ms`)), timeoutMs);
	try {
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('error', reject);
		});
		for (const command of [`AUTHENTICATE ${cookie.toString('hex')}`, 'TAKEOWNERSHIP']) {
			socket.write(`${command}\r\n`);
			// eslint-disable-next-line no-await-in-loop
			const reply = (await readThrough(socket, '\r\n', {
				maxBytes: 4096,
				tooLong: () => new Error('control reply too long'),
				earlyEnd: () => new Error(`control socket of ${dataDir} closed`),
			})).toString('utf8').trim();
			if (!reply.startsWith('250')) {
				throw new Error(`Tor refused ${command.split(' ')[0]}: ${reply}`);
			}
		}
	} catch (error) {
		socket.destroy();
		throw error;
	} finally {
		clearTimeout(timer);
	}

	return {
		release() {
			socket.destroy();
		},
	};
}
