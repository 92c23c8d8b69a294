// node run.mjs <gateway URL> <API key> <account id>: prints what the app read, as JSON.
import { documentIds, failures, loadCustomer } from './load-customer.ts';

const [url, apiKey, id] = process.argv.slice(2);
const customer = await loadCustomer(url, apiKey, { id });
process.stdout.write(`${JSON.stringify({ name: customer?.name, failures: failures.length, documentIds })}\n`);
