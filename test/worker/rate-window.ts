/**
 * Local rate limits count in windows aligned to the wall clock (miniflare's limiter keys each
 * bucket by floor(now / period)), so a test's few requests that straddle a window's end start
 * counting again and the expected 429 never comes. A test that counts requests against a limit
 * first calls this: when less than `marginMs` of the current window remains, it waits for the
 * next one. The requests themselves still go to the real limiter.
 */
export async function inOneRateWindow(periodSeconds = 60, marginMs = 15_000): Promise<void> {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  // 50 ms past the boundary, so the limiter's own clock reading is surely in the new window.
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
