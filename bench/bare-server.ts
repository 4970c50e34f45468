import express from 'express';

/**
 * The baseline of the bot-turns benchmark: a bare express app on the same machine, answering a JSON POST the size
 * of an activity with a small JSON body. Prints its port once listening.
 */
const app = express();
app.post('/echo', express.json({ limit: '512kb' }), (req, res) => void res.json({ id: String((req.body as { id?: unknown }).id ?? ''), ok: true }));
const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log(`listening ${typeof a === 'object' && a ? a.port : ''}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
