// Child process for the timer tests: runs the tickets' timer worker (compiled, from dist/) on a shared SQLite file
// and Redis prefix, reconciles at start like the product does, and prints "ready". Killed with -9 by the test.
const path = require('node:path');
const dist = path.join(__dirname, '..', '..', 'dist');
const IORedis = require('ioredis');
const { SqliteStore } = require(path.join(dist, 'data', 'store', 'sqlite-store.js'));
const { parseTimeLimits } = require(path.join(dist, 'data', 'calendar', 'deadlines.js'));
const { WorkingCalendar } = require(path.join(dist, 'data', 'calendar', 'working-days.js'));
const { Catalogue } = require(path.join(dist, 'data', 'catalogue.js'));
const { Queues } = require(path.join(dist, 'workers', 'queues.js'));
const { TicketTimers } = require(path.join(dist, 'workers', 'timers', 'timers.js'));

async function main() {
  const [file, redisUrl, prefix, limitsJson] = process.argv.slice(2);
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const store = new SqliteStore({ file });
  const queues = new Queues(redis, prefix);
  const timers = new TicketTimers({ store, queues, calendar: WorkingCalendar.load(), limits: parseTimeLimits(JSON.parse(limitsJson)), catalogue: Catalogue.load() });
  timers.worker(redis, prefix);
  await timers.reconcile();
  process.stdout.write('ready\n');
}
main().catch((err) => { console.error(err); process.exit(1); });
