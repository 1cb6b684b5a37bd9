import {lstat, mkdir, readFile, rmdir, unlink, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {firstReply} from './first-reply.js';

/**
 * The directory where an embedded redis-server's provider password is kept: `$XDG_RUNTIME_DIR/
 * nightcrawler`, else `<tmp>/nightcrawler-<uid>`; created 0700, and refused unless it is a real
 * directory of this user that nobody else can enter.
 */
export async function credentialsDirectory(): Promise<string> {
	const uid = process.getuid?.() ?? 0;
	const directory = process.env.XDG_RUNTIME_DIR ? path.join(process.env.XDG_RUNTIME_DIR, 'nightcrawler') : path.join(os.tmpdir(), `nightcrawler-${uid}`);
	await mkdir(directory, {recursive: true, mode: 0o700});
	const stats = await lstat(directory);
	if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o077) !== 0) {
		throw new Error(`${directory} is not a private directory of this user: not writing a Redis password there`);
	}

	return directory;
}

function fileOf(directory: string, port: number): string {
	return path.join(directory, `redis-${port}.provider`);
}

/** Write the provider password of the redis-server on `port` (0600, replacing an old file); returns its path. */
export async function writeProviderPassword(port: number, password: string): Promise<string> {
	const file = fileOf(await credentialsDirectory(), port);
	await unlink(file).catch(() => undefined);
	await writeFile(file, `${password}\n`, {mode: 0o600, flag: 'wx'});
	return file;
}

/** The provider password written for `port`, if there is one. */
export async function readProviderPassword(port: number): Promise<string | undefined> {
	try {
		return (await readFile(fileOf(await credentialsDirectory(), port), 'utf8')).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** Remove the password file, and the directory too once it holds nothing else (rmdir fails on a non-empty one). */
export async function removeProviderPassword(port: number): Promise<void> {
	const directory = await credentialsDirectory();
	await unlink(fileOf(directory, port)).catch(() => undefined);
	await rmdir(directory).catch(() => undefined);
}

function bulk(text: string): string {
	return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/** Does the Redis on host:port accept AUTH user password? (A stale file must not break a provider.) */
export async function canAuthenticate(host: string, port: number, user: string, password: string): Promise<boolean> {
	const reply = await firstReply(host, port, `*3\r\n${bulk('AUTH')}${bulk(user)}${bulk(password)}`, 1000);
	return reply?.startsWith('+OK') === true;
}
