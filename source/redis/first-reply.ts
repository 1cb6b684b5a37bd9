import net from 'node:net';

/**
 * Send one raw command to host:port and resolve with the first line Redis answers (`+PONG`,
 * `-NOAUTH ...`), or undefined when nothing answers within `timeoutMs` (refused, closed, silent).
 * Raw on purpose: it probes a port before any client library is set up, and must never retry.
 */
export async function firstReply(host: string, port: number, command: string, timeoutMs: number): Promise<string | undefined> {
	return new Promise(resolve => {
		const socket = net.connect({host, port});
		let answer = '';
		const done = (line: string | undefined) => {
			socket.destroy();
			resolve(line);
		};

		socket.setTimeout(timeoutMs, () => {
			done(undefined);
		});
		socket.once('error', () => {
			done(undefined);
		});
		socket.on('data', chunk => {
			answer += chunk.toString('utf8');
			const end = answer.indexOf('\r\n');
			if (end !== -1) {
				done(answer.slice(0, end));
			}
		});
		socket.once('connect', () => {
			socket.write(command);
		});
	});
}
