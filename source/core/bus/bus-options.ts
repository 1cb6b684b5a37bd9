import type {Liveness} from './connection-watch.js';
import type {EventSchemas} from './envelope.js';
import type {RedisTarget} from './redis-connection.js';

export type BusOptions<In extends EventSchemas> = {
	/** redis:// or rediss:// URL, or ioredis options. Default redis://127.0.0.1:6379. */
	redis?: RedisTarget;
	/** Channel prefix; instances in different namespaces never see each other. */
	namespace?: string;
	/** This instance's UUID (a new one when omitted). */
	id?: string;
	/** Events this instance accepts, each with the schema of its data. Anything else is dropped. */
	inbound: In;
	maxMessageBytes?: number;
	/** Test hook: drop this share (0..1) of incoming messages at the receiving side. */
	testDropRate?: number;
	/** Label for the Redis connections (CLIENT LIST). */
	name?: string;
	/** PING each connection every `intervalMs` (15 s); no answer in `timeoutMs` (10 s) reconnects it. false: never. */
	liveness?: Partial<Liveness> | false;
};
