import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DISPATCH_CENTRE, type Catalogue } from '../../data/catalogue';
import type { TicketStore } from '../../data/store/types';
import { QUEUE, type Queues } from '../../workers/queues';

/** How long the overdue counts are reused between scrapes (they are counted over every open ticket). */
const OVERDUE_REFRESH_MS = 30_000;

/**
 * The process's Prometheus metrics (prom-client): process defaults, and the hotline's own — bot turn and intake
 * latency, escalations fired, and, read when scraped, the depth of every unit's queue and the tickets overdue now.
 * One registry per process; every web and worker process serves its own at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly turnSeconds: Histogram<'channel'>;
  readonly intakeSeconds: Histogram<'queue'>;
  readonly escalations: Counter<'level'>;

  constructor(options: { process: string; queues?: Queues; catalogue?: Catalogue; store?: TicketStore }) {
    this.registry.setDefaultLabels({ process: options.process });
    collectDefaultMetrics({ register: this.registry });
    this.turnSeconds = new Histogram({ name: 'hotline_bot_turn_seconds', help: 'Time to handle one activity (a bot turn), by channel.', labelNames: ['channel'], buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5], registers: [this.registry] });
    this.intakeSeconds = new Histogram({ name: 'hotline_intake_seconds', help: 'Time from a ticket\'s receipt to its routing into a queue.', labelNames: ['queue'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300], registers: [this.registry] });
    this.escalations = new Counter({ name: 'hotline_escalations_total', help: 'Warnings and escalations recorded by the timers, by level.', labelNames: ['level'], registers: [this.registry] });
    const { queues, catalogue, store } = options;
    if (queues && catalogue) {
      new Gauge({
        name: 'hotline_queue_jobs',
        help: 'Jobs in a queue by state (the units\' queues, the dispatch centre, intake and notifications).',
        labelNames: ['queue', 'state'],
        registers: [this.registry],
        async collect() {
          this.reset();
          const names = [QUEUE.intake, QUEUE.notify, QUEUE.department(DISPATCH_CENTRE), ...catalogue.codes().map((c) => QUEUE.department(c))];
          await Promise.all(
            names.map(async (name) => {
              const counts = await queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'failed');
              for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
            }),
          );
        },
      });
    }
    if (store) {
      let overdue: { at: number; rows: (readonly [string, number])[] } | undefined;
      new Gauge({
        name: 'hotline_tickets_overdue',
        help: 'Open tickets past the deadline their unit works to, by unit.',
        labelNames: ['department'],
        registers: [this.registry],
        async collect() {
          // Counted by the store over the open tickets' facts: at most every OVERDUE_REFRESH_MS, whatever the scrape rate.
          const now = Date.now();
          if (!overdue || now - overdue.at > OVERDUE_REFRESH_MS) {
            const rows = await store.measureCounts({ fromMs: now, toMs: now, nowMs: now });
            overdue = { at: now, rows: rows.filter((r) => r.department !== '*').map((r) => [r.department, r.overdueNow] as const) };
          }
          this.reset();
          // Every unit has a series (0 when none is overdue), so alerts and dashboards see the zeros.
          for (const department of catalogue?.codes() ?? []) this.set({ department }, 0);
          for (const [department, n] of overdue.rows) this.set({ department }, n);
        },
      });
    }
  }
}
