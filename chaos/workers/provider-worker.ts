import {MemoryBackend, Provider, type ProviderTimings} from '../../source/index.js';
import {onCommands, report, workerSettings} from './worker-io.js';

export type ProviderWorkerSettings = {
	redis: string;
	namespace: string;
	count: number;
	basePort: number;
	testDropRate?: number;
	timings?: Partial<ProviderTimings>;
};

const settings = workerSettings<ProviderWorkerSettings>();
const provider = new Provider({
	redis: settings.redis,
	namespace: settings.namespace,
	backend: new MemoryBackend({count: settings.count, basePort: settings.basePort}),
	testDropRate: settings.testDropRate,
	timings: settings.timings,
});
provider.on('leased', lease => {
	report('leased', {leaseId: lease.leaseId, proxyId: lease.proxyId, clientId: lease.clientId});
});
provider.on('released', ({lease, reason}) => {
	report('released', {leaseId: lease.leaseId, proxyId: lease.proxyId, clientId: lease.clientId, reason});
});
provider.on('warning', () => undefined);
let offline = 0;
provider.bus.events.on('offline', () => {
	offline++;
});

function status(): void {
	const {stats} = provider;
	report('status', {leases: provider.leases().length, instances: provider.instances().filter(instance => instance.state === 'ready').length, dropped: stats.dropped, delivered: stats.delivered, forged: stats.forged, offline});
}

onCommands(command => {
	if (command.cmd === 'status') {
		status();
	}
}, async () => provider.stop());
await provider.start();
report('ready', {id: provider.id, pid: process.pid});
