import type {LeaseEnd, LeaseSnapshot} from '../core/lease/lease-records.js';
import type {RotationReport} from '../core/provider-events.js';
import {shortId} from './short-id.js';

/** One log line per provider event worth a line (heartbeats and progress are not). */
export const providerLogText = {
	leased: (lease: LeaseSnapshot) => `leased ${lease.proxyId} (${lease.exitIp ?? 'exit ?'}) to ${shortId(lease.clientId)}`,
	released: ({lease, reason}: LeaseEnd) => `released ${lease.proxyId} from ${shortId(lease.clientId)}: ${reason}`,
	rotated: (report: RotationReport) => `rotated ${report.proxyId} (${report.reason}): ${report.previousExitIp ?? '?'} → ${report.exitIp ?? '?'} in ${Math.round(report.durationMs)} ms`,
	rotateFailed: (proxyId: string, error: Error) => `rotating ${proxyId} failed: ${error.message}`,
	instanceDown: (id: string, reason: string) => `${id} down: ${reason}`,
	forged: (event: string, from: string) => `forged ${event} from ${shortId(from)} ignored`,
	warning: (error: Error) => `warning: ${error.message}`,
};
