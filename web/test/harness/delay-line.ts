/**
 * Runs callbacks a fixed time after they were queued, in the order they were queued: one leg of
 * a simulated network link. `setTimeout` alone fires up to a millisecond late (libuv counts
 * whole milliseconds), which at a 2 ms round trip would be half the delay again; so the last
 * stretch before a due callback is bridged with `setImmediate`, which keeps the event loop
 * turning (I/O is still served every turn) while anything is in flight. Precise to roughly a
 * tenth of a millisecond on an idle machine. A delay of 0 runs callbacks synchronously.
 */
export class DelayLine {
	private readonly queue: { due: number; run: () => void }[] = [];
	private armed:
		| { kind: 'timeout'; handle: NodeJS.Timeout }
		| { kind: 'immediate'; handle: NodeJS.Immediate }
		| null = null;
	private closed = false;

	constructor(readonly delayMs: number) {}

	push(run: () => void): void {
		if (this.delayMs <= 0) return run();
		if (this.closed) return;
		// One delay for everything, so due times only grow and the queue stays in FIFO order.
		this.queue.push({ due: performance.now() + this.delayMs, run });
		this.arm();
	}

	/** Drops whatever is still in flight (the link is gone). */
	close(): void {
		this.closed = true;
		this.queue.length = 0;
		this.disarm();
	}

	private arm(): void {
		if (this.armed !== null || this.queue.length === 0) return;
		const wait = this.queue[0]!.due - performance.now();
		// setTimeout for the bulk of a long wait, leaving ~2 ms to the precise part.
		this.armed =
			wait > 3
				? { kind: 'timeout', handle: setTimeout(() => this.fire(), Math.floor(wait - 2)) }
				: { kind: 'immediate', handle: setImmediate(() => this.fire()) };
	}

	private disarm(): void {
		if (this.armed === null) return;
		if (this.armed.kind === 'timeout') clearTimeout(this.armed.handle);
		else clearImmediate(this.armed.handle);
		this.armed = null;
	}

	private fire(): void {
		this.armed = null;
		const now = performance.now();
		while (this.queue.length > 0 && this.queue[0]!.due <= now) this.queue.shift()!.run();
		this.arm();
	}
}
