/**
 * Work serialised per key: a job starts once the previous job of the same key has settled (fulfilled or not);
 * jobs of different keys run side by side. The one queue of the process for conversations, tickets, and so on.
 */
export interface KeyedQueue<K> {
  /** Runs `work` after the work already queued for `key`; resolves or rejects with its own outcome. */
  run<T>(key: K, work: () => Promise<T>): Promise<T>;
  /** Resolves once everything queued so far has settled (shutdown). */
  idle(): Promise<void>;
}

export function createKeyedQueue<K>(): KeyedQueue<K> {
  const tails = new Map<K, Promise<unknown>>();
  return {
    run<T>(key: K, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const next = previous.catch(() => undefined).then(work);
      tails.set(key, next);
      void next
        .finally(() => {
          if (tails.get(key) === next) tails.delete(key);
        })
        .catch(() => undefined);
      return next;
    },
    async idle(): Promise<void> {
      await Promise.allSettled([...tails.values()]);
    },
  };
}
