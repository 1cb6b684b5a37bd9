import net from 'node:net';

export type Login = {username: string; password: string};

/** Where a SOCKS5 CONNECT asks to go: an IPv4 or IPv6 literal (ATYP 1 / 4) or a name (ATYP 3). */
export type SocksTarget = {host: string; port: number};

/** A SOCKS5 greeting offering username/password, and the RFC 1929 login. */
export function socksLogin({username, password}: Login): Buffer {
	const user = Buffer.from(username);
	const pass = Buffer.from(password);
	return Buffer.concat([Buffer.from([5, 1, 2, 1, user.length]), user, Buffer.from([pass.length]), pass]);
}

/** A SOCKS5 CONNECT request (an IPv6 literal written out in its eight groups, no `::`). */
export function socksConnect({host, port}: SocksTarget): Buffer {
	let address: Buffer;
	if (net.isIPv4(host)) {
		address = Buffer.from([1, ...host.split('.').map(Number)]);
	} else if (net.isIPv6(host)) {
		const groups = host.split(':');
		if (groups.length !== 8) {
			throw new RangeError(`write the IPv6 address out in eight groups: ${host}`);
		}

		address = Buffer.alloc(17, 4);
		for (const [index, group] of groups.entries()) {
			address.writeUInt16BE(Number.parseInt(group, 16), 1 + (index * 2));
		}
	} else {
		address = Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
	}

	return Buffer.concat([Buffer.from([5, 1, 0]), address, Buffer.from([port >> 8, port & 0xFF])]);
}

/** How to reach a front's port: its address (127.0.0.1 unless said), and whether to allow half-open. */
export type ConnectOptions = {host?: string; allowHalfOpen?: boolean};

/** A connection to host:port whose `closed` settles when it closes (registered at once). */
export function connectTo(port: number, {host = '127.0.0.1', allowHalfOpen = false}: ConnectOptions = {}): {socket: net.Socket; closed: Promise<void>} {
	const socket = net.connect({host, port, allowHalfOpen});
	socket.on('error', () => undefined);
	const closed = new Promise<void>(resolve => {
		socket.once('close', () => {
			resolve();
		});
	});
	return {socket, closed};
}

/** Read until `size` bytes have arrived (or the socket closed); the bytes after them are left unread. */
export async function readBytes(socket: net.Socket, size: number): Promise<Buffer> {
	let received = Buffer.alloc(0);
	return new Promise<Buffer>(resolve => {
		const done = (): void => {
			socket.off('data', onData);
			socket.off('close', done);
			socket.pause();
			if (received.length > size) {
				socket.unshift(received.subarray(size));
			}

			resolve(received.subarray(0, size));
		};

		const onData = (chunk: Buffer): void => {
			received = Buffer.concat([received, chunk]);
			if (received.length >= size) {
				done();
			}
		};

		socket.on('data', onData);
		socket.once('close', done);
		socket.resume();
	});
}

/** A SOCKS5 tunnel through the front to `target`, ready for bytes (paused); throws on any other answer. */
export async function openSocksTunnel(frontPort: number, login: Login, target: SocksTarget, options: ConnectOptions = {}): Promise<{socket: net.Socket; closed: Promise<void>}> {
	const connection = connectTo(frontPort, options);
	connection.socket.write(Buffer.concat([socksLogin(login), socksConnect(target)]));
	// Method chosen (5, 2), login accepted (1, 0), CONNECT succeeded with an IPv4 bound address.
	const answer = await readBytes(connection.socket, 14);
	if (!answer.equals(Buffer.from([5, 2, 1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))) {
		connection.socket.destroy();
		throw new Error(`unexpected SOCKS5 answer ${answer.toString('hex')}`);
	}

	return connection;
}

/** `Proxy-Authorization` for a login. */
export function basicAuth({username, password}: Login): string {
	return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** An HTTP CONNECT tunnel through the front to `host:port`, ready for bytes (paused); throws on any other answer. */
export async function openConnectTunnel(frontPort: number, login: Login, {host, port}: SocksTarget, options: ConnectOptions = {}): Promise<{socket: net.Socket; closed: Promise<void>}> {
	const connection = connectTo(frontPort, options);
	connection.socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\nProxy-Authorization: ${basicAuth(login)}\r\n\r\n`);
	const head = await readHead(connection.socket);
	if (!/^HTTP\/1\.[01] 200/.test(head)) {
		connection.socket.destroy();
		throw new Error(`unexpected CONNECT answer ${JSON.stringify(head)}`);
	}

	return connection;
}

/** One HTTP response head (through the blank line); the bytes after it are left unread. */
export async function readHead(socket: net.Socket): Promise<string> {
	let received = Buffer.alloc(0);
	return new Promise<string>(resolve => {
		const done = (): void => {
			socket.off('data', onData);
			socket.off('close', done);
			socket.pause();
			const end = received.indexOf('\r\n\r\n');
			if (end !== -1 && end + 4 < received.length) {
				socket.unshift(received.subarray(end + 4));
			}

			resolve(received.subarray(0, end === -1 ? received.length : end + 4).toString('latin1'));
		};

		const onData = (chunk: Buffer): void => {
			received = Buffer.concat([received, chunk]);
			if (received.includes('\r\n\r\n')) {
				done();
			}
		};

		socket.on('data', onData);
		socket.once('close', done);
		socket.resume();
	});
}

/** One whole HTTP response with a Content-Length body: its head and body. */
export async function readResponse(socket: net.Socket): Promise<{head: string; body: string}> {
	const head = await readHead(socket);
	const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
	const body = await readBytes(socket, length);
	return {head, body: body.toString('utf8')};
}

/** Everything the socket sends until it closes. */
export async function readAll(socket: net.Socket): Promise<string> {
	const chunks: Buffer[] = [];
	socket.on('data', (chunk: Buffer) => chunks.push(chunk));
	socket.resume();
	await new Promise(resolve => {
		if (socket.closed) {
			resolve(undefined);
		} else {
			socket.once('close', resolve);
		}
	});
	return Buffer.concat(chunks).toString('utf8');
}

/** Send `bytes` to a front's port (then end, with `end`) and wait until the server closes the connection. */
export async function sendRaw(port: number, bytes: Buffer | string, {end = false, host}: {end?: boolean; host?: string} = {}): Promise<void> {
	const {socket, closed} = connectTo(port, {host});
	socket.on('data', () => undefined);
	if (end) {
		socket.end(bytes);
	} else {
		socket.write(bytes);
	}

	await closed;
}

/**
 * A slow-loris client: `bytes` sent one at a time, one every `intervalMs`, until the server closes
 * the connection (then `closed` settles) or `stop()`.
 */
export function trickle(port: number, bytes: Buffer | string, {host, intervalMs = 500}: {host?: string; intervalMs?: number} = {}): {closed: Promise<void>; stop(): void} {
	const data = Buffer.from(bytes);
	const {socket, closed} = connectTo(port, {host});
	socket.on('data', () => undefined);
	let sent = 0;
	const timer = setInterval(() => {
		if (sent < data.length) {
			socket.write(data.subarray(sent, sent + 1));
			sent++;
		}
	}, intervalMs);
	void closed.then(() => {
		clearInterval(timer);
	});
	return {
		closed,
		stop() {
			clearInterval(timer);
			socket.destroy();
		},
	};
}
