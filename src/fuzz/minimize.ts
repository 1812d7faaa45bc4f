/**
 * Delta debugging (Zeller's ddmin, removal only): shrink a failing input by removing chunks of units while the
 * failure (the same kind, by `signature`) persists, halving the chunk size down to single units.
 */
export function minimize<T>(input: readonly T[], fails: (candidate: readonly T[]) => boolean, budgetMs = 20_000): T[] {
  let current = [...input];
  const deadline = Date.now() + budgetMs;
  let chunk = Math.max(1, Math.floor(current.length / 2));
  while (chunk >= 1 && Date.now() < deadline) {
    let removed = false;
    for (let start = 0; start < current.length && Date.now() < deadline; ) {
      const candidate = current.slice(0, start).concat(current.slice(start + chunk));
      if (candidate.length < current.length && fails(candidate)) {
        current = candidate;
        removed = true;
      } else start += chunk;
    }
    if (!removed) {
      if (chunk === 1) break;
      chunk = Math.max(1, Math.floor(chunk / 2));
    }
  }
  return current;
}
