/**
 * A queue between a push-based producer (the X stream's events) and an async-iterating consumer.
 * `push` reports when the queue is full so that the pusher can pause its input; it never drops.
 */
export class ItemQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private closed = false;
  private error: unknown;
  private waiter?: () => void;
  private spaceWaiters: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds an item; true when the queue is now at or over capacity (pause the input). */
  push(item: T): boolean {
    this.items.push(item);
    this.wake();
    return this.size >= this.capacity;
  }

  /** Resolves once the queue has drained below half its capacity. */
  whenSpace(): Promise<void> {
    if (this.size < this.capacity / 2 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** No more items; the iterator ends after the queued ones, or throws `error` then. */
  close(error?: unknown): void {
    this.closed = true;
    this.error = error;
    this.wake();
    for (const resolve of this.spaceWaiters.splice(0)) resolve();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.size > 0) {
        const item = this.items[this.head] as T;
        this.head += 1;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        if (this.spaceWaiters.length > 0 && this.size < this.capacity / 2) {
          for (const resolve of this.spaceWaiters.splice(0)) resolve();
        }
        yield item;
        continue;
      }
      if (this.closed) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
