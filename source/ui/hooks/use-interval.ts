import {useEffect, useRef} from 'react';

/** Call `callback` every `ms` while mounted (the 1 s tick that moves ages and countdowns). */
export function useInterval(callback: () => void, ms: number): void {
	const latest = useRef(callback);
	latest.current = callback;
	useEffect(() => {
		const timer = setInterval(() => {
			latest.current();
		}, ms);
		return () => {
			clearInterval(timer);
		};
	}, [ms]);
}
