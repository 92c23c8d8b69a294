import { createSandbox } from './sandbox.ts';
import { DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from './seed.ts';

const portText = process.env.SANDBOX_PORT ?? '4010';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  console.error(`SANDBOX_PORT must be a port number (0 to 65535), not "${portText}"`);
  process.exit(1);
}
const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
const rateLimitsOff = process.env.SANDBOX_RATE_LIMITS === 'off';
const customersText = process.env.SANDBOX_CUSTOMERS ?? '9';
if (!/^\d{1,6}$/.test(customersText)) {
  console.error(`SANDBOX_CUSTOMERS must be a number of customers (up to 999999), not "${customersText}"`);
  process.exit(1);
}
const kindsText = process.env.SANDBOX_DELETED_LOG_KINDS ?? '2,10';
const deletedLogKinds = kindsText === '' ? [] : kindsText.split(',').map(Number);
if (!deletedLogKinds.every((kind) => [2, 8, 10].includes(kind))) {
  console.error(`SANDBOX_DELETED_LOG_KINDS must list context ids among 2, 8 and 10, not "${kindsText}"`);
  process.exit(1);
}

const sandbox = createSandbox({
  ...(rateLimitsOff && { rateLimits: false }),
  customers: Number(customersText),
  deletedLog: { kinds: deletedLogKinds },
});
const url = await sandbox.listen(port, host).catch((error: Error) => {
  console.error(`The sandbox cannot listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});
console.log(
  `SalesBinder sandbox at ${url} (rate limits ${rateLimitsOff ? 'off' : 'on'}); ` +
    `key ${DEMO_ADMIN_KEY} may view and modify accounts, key ${DEMO_VIEWER_KEY} may only view them; ` +
    `${customersText} customers, deleted_log covering context ${deletedLogKinds.join(', ') || 'none'}; ` +
    `faults: POST ${url}/_sandbox/faults`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
