import {readdir, readFile} from 'node:fs/promises';

/**
 * Pids of the live processes (other than this one) whose command line mentions `text`; with
 * `tor`, only Tor processes. Read from /proc, so it finds what a test started and lost track of.
 */
export async function processesMentioning(text: string, {tor = false}: {tor?: boolean} = {}): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
			continue;
		}

		// eslint-disable-next-line no-await-in-loop
		const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
		const [argv0 = ''] = commandLine.split('\0');
		if (commandLine.includes(text) && (!tor || /(^|\/)tor$/.test(argv0))) {
			pids.push(Number(entry));
		}
	}

	return pids;
}

/** Pids of the Tor processes whose command line mentions `text` (their data directories live there, say). */
export async function torsMentioning(text: string): Promise<number[]> {
	return processesMentioning(text, {tor: true});
}
