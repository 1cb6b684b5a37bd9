import {readFileSync} from 'node:fs';

/** CPU ticks (utime + stime) and RSS of one process from /proc; undefined once it is gone. */
function read(pid: number): {ticks: number; rssKb: number} | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name (which may hold spaces) start after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[11]) + Number(fields[12]);
		const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return {ticks, rssKb: Number(rss?.[1] ?? 0)};
	} catch {
		return undefined;
	}
}

const ticksPerSecond = 100;

export type UsageSample = {readonly at: number; readonly rssMb: Record<string, number>};

/**
 * Samples the CPU time and memory of a scenario's processes every `intervalMs` (each started by the
 * scenario): CPU as the share of one core they used together over the scenario, memory as the peak of their summed
 * RSS, and each named process's RSS over time (for the soak).
 */
export class UsageSampler {
	readonly samples: UsageSample[] = [];
	peakRssMb = 0;
	private readonly lastTicks = new Map<number, number>();
	private readonly startedAt = Date.now();
	private readonly timer: NodeJS.Timeout;

	constructor(private readonly processes: () => Array<{name: string; pid: number}>, intervalMs = 1000) {
		this.sample();
		this.timer = setInterval(() => {
			this.sample();
		}, intervalMs);
		this.timer.unref();
	}

	sample(): void {
		let totalKb = 0;
		const rssMb: Record<string, number> = {};
		for (const {name, pid} of this.processes()) {
			const usage = read(pid);
			if (!usage) {
				continue;
			}

			this.lastTicks.set(pid, usage.ticks);
			totalKb += usage.rssKb;
			rssMb[name] = Math.round(usage.rssKb / 102.4) / 10;
		}

		this.peakRssMb = Math.max(this.peakRssMb, totalKb / 1024);
		this.samples.push({at: Date.now(), rssMb});
	}

	/** Stop sampling; the share of one core used, in percent. */
	stop(): number {
		this.sample();
		clearInterval(this.timer);
		let ticks = 0;
		// Every process was started by the scenario: its whole CPU time counts.
		for (const last of this.lastTicks.values()) {
			ticks += last;
		}

		const seconds = (Date.now() - this.startedAt) / 1000;
		return seconds > 0 ? (100 * ticks) / ticksPerSecond / seconds : 0;
	}
}
