/** /healthz latency while something else runs: percentiles in milliseconds, and probes that failed. */
export interface HealthStats {
  probes: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

const INTERVAL_MS = 20;

/**
 * Probes `${base}/healthz` (or another page, with a session cookie) one request at a time, every 20 ms, as a load balancer's health check
 * would. A probe's latency is counted from when it was due, not from when the timer finally fired:
 * if the event loop (ours, shared with the server in a test) was blocked, the probe was late by that
 * much and the lateness counts. A probe that took longer than the interval also stands for the probes
 * a fixed-rate checker would have sent meanwhile (each waiting a little less), so one long stall weighs
 * in the percentiles as much as it would for a real checker, instead of as one sample.
 */
export function pollHealth(base: string, path = '/healthz', cookie?: string): { stop(): Promise<HealthStats> } {
  const samples: number[] = [];
  let failures = 0;
  let running = true;
  const loop = (async () => {
    let due = performance.now();
    while (running) {
      try {
        const res = await fetch(`${base}${path}`, cookie ? { headers: { cookie } } : {});
        await res.arrayBuffer();
        if (res.status !== 200) failures += 1;
      } catch {
        failures += 1;
      }
      const end = performance.now();
      const latency = end - due;
      samples.push(latency);
      for (let missed = latency - INTERVAL_MS; missed > INTERVAL_MS; missed -= INTERVAL_MS) samples.push(missed);
      due = end + INTERVAL_MS;
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      samples.sort((a, b) => a - b);
      const at = (q: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1))] ?? 0;
      return { probes: samples.length, failures, p50: at(0.5), p99: at(0.99), max: samples.at(-1) ?? 0 };
    },
  };
}
