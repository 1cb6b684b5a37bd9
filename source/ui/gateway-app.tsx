import {Box, Text, useStdin} from 'ink';
import {useState} from 'react';
import type {Gateway, GatewayAddresses} from '../gateway/gateway.js';
import {KeyHints} from './components/key-hints.js';
import {LogView} from './components/log-view.js';
import {TableView} from './components/table-view.js';
import {truncateText} from './fit-text.js';
import {allocateRows} from './allocate-rows.js';
import {gatewayCounts, leaseColumns, leaseRows, sessionColumns, sessionRows} from './gateway-rows.js';
import {useGatewayLog} from './hooks/use-gateway-log.js';
import {useInterval} from './hooks/use-interval.js';
import {useScreenKeys} from './hooks/use-screen-keys.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {useSelectionState} from './use-selection-state.js';

export type GatewayAppProps = {
	readonly gateway: Gateway;
	readonly addresses: GatewayAddresses;
	/** `q` or Ctrl-C: the caller runs its one shutdown path. */
	readonly onQuit: () => void;
	readonly now?: () => number;
};

const hints = [['q', 'quit'], ['↑↓', 'select'], ['r', 'rotate'], ['d', 'drop']] as const;

/** The gateway's full-screen view: where it listens, its sessions, and a log. It only listens and renders. */
export function GatewayApp({gateway, addresses, onQuit, now = Date.now}: GatewayAppProps) {
	const {columns, rows} = useTerminalSize();
	const {isRawModeSupported} = useStdin();
	const [sessions, setSessions] = useState(() => gateway.table.list());
	const [slots, setSlots] = useState(() => gateway.client.snapshot());
	useInterval(() => {
		setSessions(gateway.table.list());
		setSlots(gateway.client.snapshot());
	}, 250);
	const log = useGatewayLog(gateway, now);
	const selection = useSelectionState(sessions.map(session => session.key));
	const selected = sessions[selection.selectedIndex];

	useScreenKeys({
		onQuit,
		onSelectPrevious: selection.selectPrevious,
		onSelectNext: selection.selectNext,
		chars: {
			r() {
				if (selected?.phase !== 'leased') {
					log.append('select a leased session to rotate');
					return;
				}

				log.append(`rotating session ${selected.key}`);
				gateway.table.rotate(selected.key).catch((error: unknown) => {
					log.append(`rotating ${selected.key} failed: ${error instanceof Error ? error.message : String(error)}`, 'error');
				});
			},
			d() {
				if (selected) {
					gateway.table.drop(selected.key);
				}
			},
		},
	}, {isActive: isRawModeSupported});

	const {host, httpPort, socksPort, apiPort, sessionPorts} = addresses;
	const where = `http ${host}:${httpPort} · socks5 ${host}:${socksPort}${apiPort === undefined ? '' : ` · api 127.0.0.1:${apiPort}`}${sessionPorts ? ` · session ports ${sessionPorts.first}-${sessionPorts.last}` : ''}`;
	const logRows = Math.max(3, Math.floor((rows - 6) / 3));
	const leases = leaseRows(slots, sessions, now());
	// Both tables' titles and headers, the two lines above them, the log's title and the key hints take 8 lines.
	// On a very small terminal each table still shows one row (the selected session, the first lease).
	const [sessionLines = 1, leaseLines = 1] = allocateRows(rows - 1 - logRows - 8, [Math.max(1, sessions.length), Math.max(1, leases.length)]).map(lines => Math.max(1, lines));
	return (
		<Box flexDirection='column' width={columns} height={rows - 1}>
			<Text wrap='truncate'>{truncateText(`nightcrawler gateway · ${where}`, columns)}</Text>
			<Text wrap='truncate' color='cyan'>{truncateText(gatewayCounts(sessions, gateway.warmLeases, gateway.front.stats.open), columns)}</Text>
			<TableView
				selectable
				title='Sessions'
				columns={sessionColumns}
				rows={sessionRows(sessions, now())}
				width={columns}
				maxRows={sessionLines}
				emptyText={`no sessions yet: try curl -x http://session-demo:x@${host}:${httpPort} <url>`}
				selectedId={selection.selectedId}
			/>
			<TableView
				title='Leases'
				columns={leaseColumns}
				rows={leases}
				width={columns}
				maxRows={leaseLines}
				emptyText='no leases: they are taken as sessions open (and --warm N keeps N ready)'
			/>
			<LogView entries={log.entries} width={columns} maxRows={logRows}/>
			<Box flexGrow={1}/>
			<KeyHints hints={hints} width={columns}/>
		</Box>
	);
}
