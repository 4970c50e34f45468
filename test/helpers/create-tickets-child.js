// Child process for the multi-process store test: creates N tickets in a shared SQLite file with the compiled
// store (npm test builds dist/ first) and prints their numbers, one per line.
const path = require('node:path');
const crypto = require('node:crypto');
const { SqliteStore } = require(path.join(__dirname, '..', '..', 'dist', 'data', 'store', 'sqlite-store.js'));

async function main() {
  const [file, worker, count] = process.argv.slice(2);
  const store = new SqliteStore({ file });
  const out = [];
  for (let i = 0; i < Number(count); i++) {
    const { ticket } = await store.createTicket(
      {
        intakeKey: `${worker}-${i}-${crypto.randomUUID()}`,
        type: '投诉', proposedType: '投诉', urgent: false, enterprise: false,
        description: 'x', location: 'y', citizen: { anonymous: true },
        channel: { channelId: 'test', reference: {} },
        receivedAt: '2026-11-22T02:00:00.000Z',
        deadlines: { ack: 'a', reply: 'b', provisional: false },
      },
      { at: '2026-11-22T02:00:00.000Z', actor: { id: 'c', role: 'citizen' }, action: 'received' },
    );
    out.push(ticket.id);
  }
  await store.close();
  process.stdout.write(out.join('\n') + '\n');
}
main().catch((err) => { console.error(err); process.exit(1); });
