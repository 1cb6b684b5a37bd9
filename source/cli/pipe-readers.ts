import fs from 'node:fs';

type ReaderFd = {readonly pid: string; readonly fd: string};

function holds({pid, fd}: ReaderFd, target: string): boolean {
	try {
		return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
	} catch {
		return false;
	}
}

function isReadEnd({pid, fd}: ReaderFd): boolean {
	try {
		const flags = /^flags:\s+([0-7]+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
		// O_ACCMODE is 3; a pipe's read end is O_RDONLY (0).
		return flags?.[1] !== undefined && (Number.parseInt(flags[1], 8) & 3) === 0;
	} catch {
		return false;
	}
}

/** Our parent and its other children: where the reader of `a | b` or `$(a)` usually is. */
function nearbyPids(): string[] {
	const parent = String(process.ppid);
	try {
		return [parent, ...fs.readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/)];
	} catch {
		return [parent];
	}
}

/** The descriptors of other processes (that we may look at) open on the read end of the pipe. */
function findReaders(target: string): ReaderFd[] {
	const nearby = readersAmong(nearbyPids(), target);
	return nearby.length > 0 ? nearby : readersAmong(fs.readdirSync('/proc'), target);
}

function readersAmong(pids: readonly string[], target: string): ReaderFd[] {
	const readers: ReaderFd[] = [];
	for (const pid of pids) {
		if (!/^\d+$/.test(pid) || pid === String(process.pid)) {
			continue;
		}

		let fds: string[];
		try {
			fds = fs.readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue;
		}

		for (const fd of fds) {
			const candidate = {pid, fd};
			if (holds(candidate, target) && isReadEnd(candidate)) {
				readers.push(candidate);
			}
		}
	}

	return readers;
}

/**
 * Call `onGone` once no process reads the pipe on fd 1 any more. Linux gives a pipe's writer no
 * event for that (epoll would, but Node cannot poll a write-only pipe for it, and a zero-byte write
 * succeeds), so: find the readers in /proc once (near us first), then check every `intervalMs` that
 * one of them still holds it (a few readlinks), looking again everywhere before giving up. Returns undefined when no
 * reader can be seen (another user's process): the next write's EPIPE will tell instead.
 */
export function watchPipeReaders(onGone: () => void, intervalMs = 250): (() => void) | undefined {
	const target = fs.readlinkSync('/proc/self/fd/1');
	let readers = findReaders(target);
	if (readers.length === 0) {
		return undefined;
	}

	const timer = setInterval(() => {
		readers = readers.filter(reader => holds(reader, target));
		if (readers.length === 0) {
			readers = findReaders(target);
		}

		if (readers.length === 0) {
			clearInterval(timer);
			onGone();
		}
	}, intervalMs);
	timer.unref();
	return () => {
		clearInterval(timer);
	};
}
