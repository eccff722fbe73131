// The 100 queries both search benchmarks run: 50 single words and 50 pairs
// from the corpus's operations vocabulary, in a fixed order.
const WORDS = `backup restore snapshot volume replica primary cluster namespace
release upgrade rollback secret configmap ingress storage retention schedule
cronjob operator database schema replication checkpoint archive bucket
encryption credential permission audit metrics alert readiness recovery
objective failover promote drain eviction statefulset certificate rotation
migration compatibility timeout idempotent checksum runbook velero pitr
compaction kubectl helm`.split(/\s+/);

export const QUERIES = [];
for (let i = 0; i < 50; i++) QUERIES.push(WORDS[i % WORDS.length]);
for (let i = 0; i < 50; i++) {
  QUERIES.push(WORDS[(i * 7) % WORDS.length] + " " + WORDS[(i * 13 + 5) % WORDS.length]);
}

export function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
}
