import type {FrontRefusal, FrontRefusalReason} from '../front/front-events.js';

/** One line's worth of refusals of one reason: the latest of them, and how many it stands for. */
export type RefusalBatch = {readonly refusal: FrontRefusal; readonly count: number};

type Window = {count: number; last: FrontRefusal; timer: NodeJS.Timeout};

/**
 * Aggregates the front's refusals so a flood (a port scan, a client with a wrong password in a loop)
 * cannot flood the log: the first refusal of a reason is reported at once; the ones after it within
 * `windowMs` are counted and reported together when the window closes (as one batch, carrying the
 * latest refusal); a flood thus yields at most one batch per reason per window.
 */
export class RefusalSummary {
	private readonly windows = new Map<FrontRefusalReason, Window>();

	constructor(private readonly report: (batch: RefusalBatch) => void, private readonly windowMs = 1000) {}

	add(refusal: FrontRefusal): void {
		const open = this.windows.get(refusal.reason);
		if (open) {
			open.count++;
			open.last = refusal;
			return;
		}

		this.report({refusal, count: 1});
		this.open(refusal, 0);
	}

	/** Report what is counted and stop the timers (the log detaches). */
	close(): void {
		for (const [reason, window] of this.windows) {
			clearTimeout(window.timer);
			this.windows.delete(reason);
			if (window.count > 0) {
				this.report({refusal: window.last, count: window.count});
			}
		}
	}

	private open(last: FrontRefusal, count: number): void {
		const timer = setTimeout(() => {
			this.expire(last.reason);
		}, this.windowMs);
		timer.unref();
		this.windows.set(last.reason, {count, last, timer});
	}

	private expire(reason: FrontRefusalReason): void {
		const window = this.windows.get(reason);
		this.windows.delete(reason);
		if (window && window.count > 0) {
			this.report({refusal: window.last, count: window.count});
			// Still flooding, maybe: the next ones are counted for another window.
			this.open(window.last, 0);
		}
	}
}
